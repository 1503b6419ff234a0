"""The same, for unittest-style suites."""

import unittest

from conftest import make_text
from perfbudget.testcase import PerformanceRegressionTestCase
from wordcount import top_words


class TopWordsPerformance(PerformanceRegressionTestCase, unittest.TestCase):
    def test_top_words_small(self):
        result = self.measure_performance(top_words, make_text(500), 3)
        self.assertEqual(len(result), 3)
        self.assert_no_performance_regression()


if __name__ == "__main__":
    unittest.main()
