/* SPDX-License-Identifier: MIT */
/* The normal and binomial distributions the statistics need. */
#include <math.h>

#include "internal.h"

double perfbudget__normal_sf(double z) { return 0.5 * erfc(z / sqrt(2.0)); }

/* Acklam's rational approximation (relative error 1.2e-9), polished by one Halley step on erfc
 * to full double precision. */
double perfbudget__normal_ppf(double p) {
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                               2.445134137142996e+00, 3.754408661907416e+00};
    if (!(p > 0.0 && p < 1.0)) return p == 0.0 ? -INFINITY : p == 1.0 ? INFINITY : NAN;
    const double low = 0.02425;
    double x;
    if (p < low) {
        double q = sqrt(-2.0 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else if (p <= 1.0 - low) {
        double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    } else {
        double q = sqrt(-2.0 * log(1.0 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }
    double e = 0.5 * erfc(-x / sqrt(2.0)) - p;
    double u = e * 2.5066282746310002 * exp(x * x / 2.0); /* sqrt(2 pi) */
    return x - u / (1.0 + x * u / 2.0);
}

void perfbudget__quantile_ci_ranks(size_t n, double q, double alpha, size_t *l, size_t *u,
                                   double *level) {
    /* F(j) = P(B <= j), B ~ Binomial(n, q). Terms further than 12 standard deviations below the
     * mean add less than 1e-32, so the sum may start there; the pmf then follows by recurrence. */
    double nd = (double)n, sd = sqrt(nd * q * (1.0 - q));
    double start_d = floor(nd * q - 12.0 * sd);
    size_t start = start_d > 0.0 ? (size_t)start_d : 0;
    double log_pmf = lgamma(nd + 1.0) - lgamma((double)start + 1.0) -
                     lgamma(nd - (double)start + 1.0) + (double)start * log(q) +
                     (nd - (double)start) * log1p(-q);
    double pmf = exp(log_pmf), cdf = 0.0, ratio = q / (1.0 - q);
    double f_lower = NAN, f_upper = NAN; /* F(l - 1), F(u - 1) */
    size_t lower = 0, upper = 0;
    double f_first = NAN; /* F(0), for l = 1 when no rank qualifies */
    for (size_t j = start; j < n; j++) {
        cdf += pmf;
        if (j == 0) f_first = cdf;
        /* k = j + 1 satisfies F(k - 1) = cdf */
        if (cdf <= alpha / 2.0) {
            lower = j + 1;
            f_lower = cdf;
        }
        if (upper == 0 && cdf >= 1.0 - alpha / 2.0) {
            upper = j + 1;
            f_upper = cdf;
            break;
        }
        pmf *= (nd - (double)j) / ((double)j + 1.0) * ratio;
    }
    if (lower == 0) {
        lower = 1;
        f_lower = start == 0 ? f_first : 0.0;
    }
    if (upper == 0) {
        upper = n;
        f_upper = cdf; /* F(n - 1): the loop ran to the end */
    }
    *l = lower;
    *u = upper;
    *level = f_upper - f_lower;
}

/* The regularized incomplete beta function I_x(a, b) by its continued fraction (modified
 * Lentz), which converges fast for x < (a + 1) / (a + b + 2); the symmetry
 * I_x(a, b) = 1 - I_{1-x}(b, a) covers the rest. */
static double incomplete_beta(double x, double a, double b) {
    if (x <= 0.0) return 0.0;
    if (x >= 1.0) return 1.0;
    if (x > (a + 1.0) / (a + b + 2.0)) return 1.0 - incomplete_beta(1.0 - x, b, a);
    double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)) / a;
    const double tiny = 1e-300;
    double f = 1.0, c = 1.0, d = 0.0;
    for (int i = 0; i <= 400; i++) {
        int m = i / 2;
        double numerator;
        if (i == 0) numerator = 1.0;
        else if (i % 2 == 0) numerator = (m * (b - m) * x) / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        else numerator = -((a + m) * (a + b + m) * x) / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + numerator * d;
        if (fabs(d) < tiny) d = tiny;
        d = 1.0 / d;
        c = 1.0 + numerator / c;
        if (fabs(c) < tiny) c = tiny;
        double step = c * d;
        f *= step;
        if (fabs(1.0 - step) < 1e-15) break;
    }
    return front * (f - 1.0);
}

double perfbudget__student_sf(double t, double df) {
    if (isnan(t) || isnan(df)) return NAN;
    if (isinf(df)) return perfbudget__normal_sf(t);
    double tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2.0, 0.5);
    return t >= 0.0 ? tail : 1.0 - tail;
}

double perfbudget__student_ppf(double p, double df) {
    if (isinf(df)) return perfbudget__normal_ppf(p);
    if (!(p > 0.0 && p < 1.0) || !(df > 0.0)) return NAN;
    /* Bisection on the survival function: monotone, and 200 halvings reach double precision
     * from any bracket; the bracket grows until it holds the quantile. */
    double target = 1.0 - p, low = -1.0, high = 1.0;
    while (perfbudget__student_sf(low, df) < target) low *= 2.0;
    while (perfbudget__student_sf(high, df) > target) high *= 2.0;
    for (int i = 0; i < 200 && high - low > 1e-15 * fmax(1.0, fabs(high)); i++) {
        double mid = 0.5 * (low + high);
        if (perfbudget__student_sf(mid, df) > target) low = mid;
        else high = mid;
    }
    return 0.5 * (low + high);
}
