"""Tests of medguide.metrics against scikit-learn, scipy and hand-worked cases."""

import dataclasses
import math
import time

import numpy as np
import pytest
import torch
from scipy import special, stats
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.preprocessing import label_binarize

from medguide.exceptions import UndefinedMetricError
from medguide.metrics import (
    accuracy_from_logits,
    binary_auprc,
    binary_auroc,
    bootstrap_auprc,
    bootstrap_auroc,
    clinical_report,
    compare_auroc,
    fit_threshold,
    multiclass_report,
    multilabel_report,
    stratified_resample_indices,
)


def _binary_case(seed, n=120, ties=True):
    """Random labels and scores with both classes; rounding the scores creates ties."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    score = np.clip(0.25 * y + rng.normal(0.4, 0.2, n), 0, 1)
    return y, np.round(score, 1) if ties else score


# --- accuracy from logits --------------------------------------------------


def test_accuracy_from_logits_column_targets():
    logits = torch.tensor([[2, 0.1], [0.2, 1.5], [0.1, 2.2], [1.9, 0.3]])
    targets = torch.tensor([[0], [1], [1], [0]])

    # argmax gives [0, 1, 1, 0], which equals the squeezed targets.
    assert accuracy_from_logits(logits, targets) == 1.0
    # The broadcasting mistake this helper avoids: (4,) against (4, 1) is (4, 4).
    assert (logits.argmax(dim=1) == targets).float().mean().item() == 0.5


def test_accuracy_from_logits_single_logit():
    # Logits > 0 predict class 1: predictions [1, 0, 1] against [1, 0, 0].
    assert accuracy_from_logits([2.0, -1.0, 0.5], [1, 0, 0]) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("logits", "targets", "message"),
    [
        ([[1.0, 0.0]] * 3, [0, 1], r"`logits` has 3 rows but `targets` has 2"),
        (
            [[1.0, 0.0], [0.0, 1.0]],
            [0, 2],
            r"`targets` must lie in 0 to 1 for 2 classes, got \[2\]",
        ),
        ([[np.nan, 0.0], [0.0, 1.0]], [0, 1], r"NaN or infinite"),
        (np.zeros((2, 2, 2)), [0, 1], r"got shape \(2, 2, 2\)"),
        ([[1.0, 0.0], [0.0, 1.0]], [[0, 1], [1, 0]], r"`targets` must have shape"),
    ],
)
def test_accuracy_from_logits_rejects(logits, targets, message):
    with pytest.raises(ValueError, match=r"^accuracy_from_logits: .*" + message):
        accuracy_from_logits(logits, targets)


# --- one class present ------------------------------------------------------


def test_one_class_sklearn_returns_nan():
    # The behaviour medguide guards against (scikit-learn 1.9).
    with pytest.warns(UndefinedMetricWarning):
        assert math.isnan(skm.roc_auc_score([1, 1, 1, 1], [0.2, 0.9, 0.4, 0.7]))


def test_one_class_binary_auroc_raises():
    expected = (
        r"^binary_auroc: `y_true` contains one class only \(all 4 samples are 1\)\. AUROC is "
        r"undefined without both classes; evaluate the whole split, stratify the split, or keep "
        r"both classes when resampling\.$"
    )
    with pytest.raises(UndefinedMetricError, match=expected):
        binary_auroc([1, 1, 1, 1], [0.2, 0.9, 0.4, 0.7], positive_label=1)


@pytest.mark.parametrize(
    "call",
    [
        lambda y, s: binary_auprc(y, s, positive_label=1),
        lambda y, s: bootstrap_auroc(y, s, positive_label=1),
        lambda y, s: bootstrap_auprc(y, s, positive_label=1),
        lambda y, s: clinical_report(y, s, positive_label=1, threshold=0.5),
        lambda y, s: fit_threshold(y, s, positive_label=1),
        lambda y, s: compare_auroc(y, s, s[::-1], positive_label=1),
        lambda y, s: stratified_resample_indices(y, positive_label=1),
    ],
)
def test_one_class_every_binary_function_raises(call):
    y, s = np.array([[0], [0], [0]]), np.array([0.2, 0.9, 0.4])

    with pytest.raises(UndefinedMetricError, match=r"one class only \(all 3 samples are 0\)"):
        call(y, s)


# --- AUROC and AUPRC ------------------------------------------------------------


def test_binary_auroc_hand_case():
    # Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 0.35 beats one, 0.8 beats two -> 3/4.
    assert binary_auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], positive_label=1) == 0.75


def test_binary_auroc_tie_counts_half():
    # Positive 0.5 ties the negative 0.5 (one half) and beats 0.2: (1 + 0.5) / 2.
    assert binary_auroc([0, 0, 1], [0.2, 0.5, 0.5], positive_label=1) == 0.75


def test_binary_auprc_hand_case():
    # Descending: 0.8 (pos) P=1 R=1/2, 0.4 (neg), 0.35 (pos) P=2/3 R=1 -> 1/2 * 1 + 1/2 * 2/3 = 5/6.
    assert binary_auprc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], positive_label=1) == pytest.approx(
        5 / 6
    )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("positive_label", [0, 1])
def test_binary_metrics_match_sklearn(seed, positive_label):
    y, s = _binary_case(seed)
    positive = y == positive_label

    assert binary_auroc(y, s, positive_label=positive_label) == pytest.approx(
        skm.roc_auc_score(positive, s), abs=1e-15
    )
    assert binary_auprc(y, s, positive_label=positive_label) == pytest.approx(
        skm.average_precision_score(positive, s), abs=1e-15
    )


def test_binary_auroc_logits_equal_probabilities():
    y, s = _binary_case(7, ties=False)
    logits = special.logit(s.clip(1e-6, 1 - 1e-6))

    assert binary_auroc(y, logits, positive_label=1, from_logits=True) == pytest.approx(
        binary_auroc(y, s.clip(1e-6, 1 - 1e-6), positive_label=1), abs=1e-15
    )


def test_binary_auroc_rejects_logits_without_flag():
    with pytest.raises(
        ValueError, match=r"^binary_auroc: `y_score` must be probabilities.*from_logits=True"
    ):
        binary_auroc([0, 1], [-2.0, 3.0], positive_label=1)


# --- bootstrap ---------------------------------------------------------------


def test_resample_indices_are_stratified():
    y, _ = _binary_case(0)
    indices = stratified_resample_indices(y, positive_label=1, n_resamples=50, seed=3)
    n_positive = int((y == 1).sum())

    assert indices.shape == (50, y.size)
    assert np.all(y[indices[:, :n_positive]] == 1)
    assert np.all(y[indices[:, n_positive:]] == 0)


@pytest.mark.parametrize(("seed", "positive_label"), [(0, 1), (1, 0), (2, 1)])
def test_bootstrap_auroc_matches_sklearn_on_same_resamples(seed, positive_label):
    # 250 resamples span two blocks of 200, so the block boundary is checked too.
    y, s = _binary_case(seed, n=150)
    positive = y == positive_label
    indices = stratified_resample_indices(
        y, positive_label=positive_label, n_resamples=250, seed=seed
    )
    expected = np.array([skm.roc_auc_score(positive[row], s[row]) for row in indices])

    result = bootstrap_auroc(y, s, positive_label=positive_label, n_resamples=250, seed=seed)

    assert np.max(np.abs(result.distribution - expected)) < 1e-12
    assert result.estimate == pytest.approx(skm.roc_auc_score(positive, s), abs=1e-15)


@pytest.mark.parametrize("seed", range(2))
def test_bootstrap_auprc_matches_sklearn_on_same_resamples(seed):
    y, s = _binary_case(seed, n=150)
    indices = stratified_resample_indices(y, positive_label=0, n_resamples=120, seed=seed)
    expected = np.array([skm.average_precision_score(y[row] == 0, s[row]) for row in indices])

    result = bootstrap_auprc(y, s, positive_label=0, n_resamples=120, seed=seed)

    assert np.max(np.abs(result.distribution - expected)) < 1e-12
    assert result.estimate == pytest.approx(skm.average_precision_score(y == 0, s), abs=1e-15)


def test_bootstrap_interval_is_percentile_of_distribution():
    y, s = _binary_case(1)

    result = bootstrap_auroc(y, s, positive_label=1, n_resamples=400, confidence=0.9)

    assert (result.low, result.high) == tuple(np.percentile(result.distribution, [5, 95]))
    assert result.low < result.estimate < result.high
    assert result.metric == "auroc"
    assert result.method == "percentile bootstrap, stratified by class"


def test_bootstrap_is_deterministic_per_seed():
    y, s = _binary_case(2)

    first = bootstrap_auroc(y, s, positive_label=1, n_resamples=200, seed=5)
    again = bootstrap_auroc(y, s, positive_label=1, n_resamples=200, seed=5)
    other = bootstrap_auroc(y, s, positive_label=1, n_resamples=200, seed=6)

    assert np.array_equal(first.distribution, again.distribution)
    assert not np.array_equal(first.distribution, other.distribution)


def test_bootstrap_rejects_few_resamples():
    y, s = _binary_case(0)

    with pytest.raises(
        ValueError, match=r"^bootstrap_auroc: `n_resamples` must be at least 100, got 10"
    ):
        bootstrap_auroc(y, s, positive_label=1, n_resamples=10)


@pytest.mark.slow
def test_bootstrap_auroc_speedup_at_least_25():
    # The loop runs 200 of the 2,000 resamples and its time is scaled by 10, which keeps this
    # test near 10 s. benchmarks/bootstrap_speed.py times all 2,000.
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 10_000)
    s = np.round(np.clip(0.2 * y + rng.normal(0.4, 0.2, y.size), 0, 1), 3)
    positive = y == 1
    indices = stratified_resample_indices(y, positive_label=1, n_resamples=2000, seed=0)[:200]

    start = time.perf_counter()
    result = bootstrap_auroc(y, s, positive_label=1, n_resamples=2000, seed=0)
    vectorised_seconds = time.perf_counter() - start

    start = time.perf_counter()
    looped = np.array([skm.roc_auc_score(positive[row], s[row]) for row in indices])
    loop_seconds = (time.perf_counter() - start) * 10

    assert np.max(np.abs(result.distribution[:200] - looped)) < 1e-12
    assert loop_seconds / vectorised_seconds >= 25


# --- DeLong ----------------------------------------------------------------


def _delong_by_definition(y, score_a, score_b):
    """DeLong's variance from the pairwise kernel psi, O(m * n), as in the 1988 paper's definition."""
    positive, negative = y == 1, y == 0
    components_positive, components_negative = [], []
    for score in (score_a, score_b):
        difference = score[positive][:, None] - score[negative][None, :]
        kernel = (difference > 0) + 0.5 * (difference == 0)
        components_positive.append(kernel.mean(axis=1))
        components_negative.append(kernel.mean(axis=0))
    covariance = (
        np.cov(components_positive) / positive.sum() + np.cov(components_negative) / negative.sum()
    )
    variance = covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1]
    auroc = [c.mean() for c in components_positive]
    return auroc, variance


@pytest.mark.parametrize("seed", range(5))
def test_compare_auroc_matches_definition(seed):
    y, s_a = _binary_case(seed, n=90)
    rng = np.random.default_rng(100 + seed)
    s_b = np.round(np.clip(0.1 * y + rng.normal(0.45, 0.2, y.size), 0, 1), 1)
    (auroc_a, auroc_b), variance = _delong_by_definition(y, s_a, s_b)

    result = compare_auroc(y, s_a, s_b, positive_label=1)

    z = (auroc_a - auroc_b) / math.sqrt(variance)
    assert result.auroc_a == pytest.approx(skm.roc_auc_score(y, s_a), abs=1e-12)
    assert result.auroc_b == pytest.approx(skm.roc_auc_score(y, s_b), abs=1e-12)
    assert result.z == pytest.approx(z, rel=1e-9)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    assert result.difference.low == pytest.approx(
        auroc_a - auroc_b - 1.959964 * math.sqrt(variance), abs=1e-6
    )


def test_compare_auroc_swap_negates_difference():
    y, s_a = _binary_case(3)
    s_b = _binary_case(4)[1]

    forward = compare_auroc(y, s_a, s_b, positive_label=1)
    backward = compare_auroc(y, s_b, s_a, positive_label=1)

    assert backward.difference.estimate == pytest.approx(-forward.difference.estimate)
    assert backward.p_value == pytest.approx(forward.p_value)


def test_compare_auroc_identical_models_raises():
    y, s = _binary_case(0)

    with pytest.raises(
        UndefinedMetricError, match=r"^compare_auroc: the AUROC difference \(0\) has zero variance"
    ):
        compare_auroc(y, s, s, positive_label=1)


def test_compare_auroc_length_mismatch():
    with pytest.raises(
        ValueError, match=r"^compare_auroc: `y_score_b` has 2 values but `y_true` has 3"
    ):
        compare_auroc([0, 1, 1], [0.1, 0.8, 0.6], [0.2, 0.3], positive_label=1)


# --- clinical report ------------------------------------------------------------


def test_clinical_report_hand_case():
    # Positive class 0 (malignant). Positives score 0.9, 0.8, 0.3 -> TP=2, FN=1 at 0.5.
    # Negatives score 0.6, 0.2, 0.1, 0.3, 0.05 -> FP=1, TN=4.
    # LR+ = (2/3) / (1/5) = 10/3, SE(log) = sqrt(1/2 - 1/3 + 1/1 - 1/5) = 0.98319.
    y = [0, 0, 0, 1, 1, 1, 1, 1]
    s = [0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.3, 0.05]

    report = clinical_report(y, s, positive_label=0, threshold=0.5)

    assert (report.tp, report.fn, report.fp, report.tn) == (2, 1, 1, 4)
    assert report.sensitivity.estimate == pytest.approx(2 / 3)
    assert report.specificity.estimate == pytest.approx(4 / 5)
    assert report.ppv.estimate == pytest.approx(2 / 3)
    assert report.npv.estimate == pytest.approx(4 / 5)
    assert report.f1.estimate == pytest.approx(4 / 6)
    assert report.balanced_accuracy.estimate == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert report.lr_positive.estimate == pytest.approx(10 / 3)
    assert report.lr_positive.low == pytest.approx(
        10 / 3 * math.exp(-1.959964 * 0.983192), rel=1e-5
    )
    assert report.lr_positive.high == pytest.approx(
        10 / 3 * math.exp(1.959964 * 0.983192), rel=1e-5
    )
    # LR- = (1/3) / (4/5) = 5/12.
    assert report.lr_negative.estimate == pytest.approx(5 / 12)


def test_clinical_report_wilson_matches_scipy():
    y, s = _binary_case(3)
    report = clinical_report(y, s, positive_label=1, threshold=0.5, confidence=0.9)
    expected = stats.binomtest(report.tp, report.tp + report.fn).proportion_ci(0.9, method="wilson")

    assert report.sensitivity.low == pytest.approx(expected.low, abs=1e-15)
    assert report.sensitivity.high == pytest.approx(expected.high, abs=1e-15)
    assert report.sensitivity.method == "Wilson score"
    assert report.sensitivity.confidence == 0.9


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("positive_label", [0, 1])
def test_clinical_report_matches_sklearn(seed, positive_label):
    y, s = _binary_case(seed)
    positive = y == positive_label
    predicted = s >= 0.5

    report = clinical_report(y, s, positive_label=positive_label, threshold=0.5)

    assert report.sensitivity.estimate == pytest.approx(skm.recall_score(positive, predicted))
    assert report.specificity.estimate == pytest.approx(skm.recall_score(~positive, ~predicted))
    assert report.ppv.estimate == pytest.approx(skm.precision_score(positive, predicted))
    assert report.npv.estimate == pytest.approx(skm.precision_score(~positive, ~predicted))
    assert report.f1.estimate == pytest.approx(skm.f1_score(positive, predicted))
    assert report.balanced_accuracy.estimate == pytest.approx(
        skm.balanced_accuracy_score(positive, predicted)
    )
    assert report.n_samples == y.size


def test_clinical_report_count_bootstrap_matches_case_bootstrap():
    # F1 from binomial count draws should match F1 over stratified case resamples.
    y, s = _binary_case(8, n=200)
    positive, predicted = y == 1, s >= 0.5
    indices = stratified_resample_indices(y, positive_label=1, n_resamples=4000, seed=1)
    tp = np.sum(positive[indices] & predicted[indices], axis=1)
    fp = np.sum(~positive[indices] & predicted[indices], axis=1)
    fn = np.sum(positive[indices] & ~predicted[indices], axis=1)
    case_f1 = 2 * tp / (2 * tp + fp + fn)

    report = clinical_report(y, s, positive_label=1, threshold=0.5, n_resamples=4000)

    assert report.f1.low == pytest.approx(np.percentile(case_f1, 2.5), abs=0.02)
    assert report.f1.high == pytest.approx(np.percentile(case_f1, 97.5), abs=0.02)


def test_clinical_report_undefined_ppv_and_lr():
    # Threshold 1 predicts nothing positive: TP = FP = 0, so PPV and LR+ have no value.
    report = clinical_report([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.7], positive_label=1, threshold=1.0)

    assert report.ppv.estimate is None
    assert report.ppv.undefined_reason == "no sample is predicted positive (TP + FP = 0)"
    assert not report.lr_positive.defined
    assert "the ratio is 0/0" in report.lr_positive.undefined_reason
    assert "ppv: undefined (no sample is predicted positive" in str(report)


def test_clinical_report_infinite_lr_undefined():
    # FP = 0 with TP > 0: LR+ is infinite.
    report = clinical_report([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.1], positive_label=1, threshold=0.5)

    assert report.lr_positive.undefined_reason.startswith("the ratio is infinite (1/2 over 0/2)")


def test_clinical_report_logit_threshold():
    probability_report = clinical_report(
        [0, 1, 1, 0], [0.2, 0.9, 0.4, 0.7], positive_label=1, threshold=0.5
    )
    logits = special.logit([0.2, 0.9, 0.4, 0.7])

    logit_report = clinical_report(
        [0, 1, 1, 0], logits, positive_label=1, threshold=0.0, from_logits=True
    )

    assert (logit_report.tp, logit_report.fp) == (probability_report.tp, probability_report.fp)


@pytest.mark.parametrize(
    ("threshold", "error", "message"),
    [
        (1.5, ValueError, r"`threshold` must lie in \[0, 1\] for probability scores, got 1.5"),
        (float("nan"), ValueError, r"`threshold` must be finite, got nan"),
        ("0.5", TypeError, r"`threshold` must be a number, got '0.5'"),
    ],
)
def test_clinical_report_rejects_threshold(threshold, error, message):
    with pytest.raises(error, match=r"^clinical_report: " + message):
        clinical_report([0, 1], [0.2, 0.8], positive_label=1, threshold=threshold)


def test_clinical_report_requires_positive_label():
    with pytest.raises(TypeError, match="positive_label"):
        clinical_report([0, 1], [0.2, 0.8], threshold=0.5)


# --- threshold selection ------------------------------------------------------


def _rates_at(y, s, threshold):
    predicted = s >= threshold
    return np.mean(predicted[y == 1]), np.mean(~predicted[y == 0])


@pytest.mark.parametrize("seed", range(5))
def test_fit_threshold_youden_brute_force(seed):
    y, s = _binary_case(seed, n=80)
    candidates = np.unique(s)[::-1]
    youden = [sum(_rates_at(y, s, t)) - 1 for t in candidates]

    point = fit_threshold(y, s, positive_label=1)

    # The first maximum over descending candidates is the highest threshold among ties.
    assert point.threshold == candidates[int(np.argmax(youden))]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("target", [0.5, 0.8, 0.95, 1.0])
def test_fit_threshold_sensitivity_target_brute_force(seed, target):
    y, s = _binary_case(seed, n=80)
    reaching = [t for t in np.unique(s) if _rates_at(y, s, t)[0] >= target]

    point = fit_threshold(y, s, positive_label=1, method="sensitivity", target=target)

    assert point.threshold == max(reaching)
    assert point.validation_sensitivity >= target


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("target", [0.5, 0.8, 0.9])
def test_fit_threshold_specificity_target_brute_force(seed, target):
    y, s = _binary_case(seed, n=80)
    reaching = [t for t in np.unique(s) if _rates_at(y, s, t)[1] >= target]

    point = fit_threshold(y, s, positive_label=1, method="specificity", target=target)

    assert point.threshold == min(reaching)
    assert point.validation_specificity >= target


def test_fit_threshold_hand_case():
    # Sensitivity 1 needs every positive (lowest 0.3) above the threshold; then only 0.5 of the
    # negatives is a false positive -> specificity 3/4.
    y = [1, 1, 1, 1, 0, 0, 0, 0]
    s = [0.9, 0.8, 0.6, 0.3, 0.5, 0.2, 0.1, 0.05]

    point = fit_threshold(y, s, positive_label=1, method="sensitivity", target=1.0)

    assert point.threshold == 0.3
    assert point.validation_specificity == 0.75
    assert point.n_validation == 8


def test_operating_point_is_frozen():
    point = fit_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], positive_label=1)

    with pytest.raises(dataclasses.FrozenInstanceError):
        point.threshold = 0.1
    assert not hasattr(point, "fit")


def test_operating_point_evaluate_uses_frozen_threshold():
    y_val, s_val = _binary_case(0)
    y_test, s_test = _binary_case(1)
    point = fit_threshold(y_val, s_val, positive_label=0, method="sensitivity", target=0.9)

    report = point.evaluate(y_test, s_test)

    expected = clinical_report(y_test, s_test, positive_label=0, threshold=point.threshold)
    assert report == expected
    assert point.apply(s_test).tolist() == (s_test >= point.threshold).tolist()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"method": "youden", "target": 0.9},
            r"`target` must be None for method='youden', got 0.9",
        ),
        ({"method": "sensitivity"}, r"method='sensitivity' needs `target`"),
        (
            {"method": "specificity", "target": 1.5},
            r"`target` must lie strictly between 0 and 1, got 1.5",
        ),
        (
            {"method": "f1"},
            r"`method` must be one of 'youden', 'sensitivity', 'specificity', got 'f1'",
        ),
    ],
)
def test_fit_threshold_rejects(kwargs, message):
    with pytest.raises(ValueError, match=r"^fit_threshold: " + message):
        fit_threshold([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.7], positive_label=1, **kwargs)


def test_fit_threshold_unreachable_specificity():
    # The top score 0.9 is a negative, so any threshold that flags a positive also flags it.
    expected = r"^fit_threshold: no threshold reaches specificity 1.0 .* flags 1 of 2 negative\(s\) as positive"
    with pytest.raises(ValueError, match=expected):
        fit_threshold(
            [0, 1, 1, 0], [0.9, 0.8, 0.4, 0.1], positive_label=1, method="specificity", target=1.0
        )


# --- multi-class and multi-label ---------------------------------------------------


def _multiclass_case(seed, n=150, n_classes=4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    logits = rng.normal(size=(n, n_classes)) + 1.5 * np.eye(n_classes)[y]
    return y, logits, special.softmax(logits, axis=1)


@pytest.mark.parametrize("seed", range(4))
def test_multiclass_report_matches_sklearn(seed):
    y, _, p = _multiclass_case(seed)
    classes = [0, 1, 2, 3]

    macro = multiclass_report(y, p, classes=classes)
    micro = multiclass_report(y, p, classes=classes, average="micro")
    precision = multiclass_report(y, p, classes=classes, metric="auprc")

    assert macro.average_value == pytest.approx(
        skm.roc_auc_score(y, p, multi_class="ovr", average="macro")
    )
    assert micro.average_value == pytest.approx(
        skm.roc_auc_score(label_binarize(y, classes=classes), p, average="micro")
    )
    expected = skm.average_precision_score(label_binarize(y, classes=classes), p, average=None)
    assert [c.value for c in precision.per_class] == pytest.approx(list(expected))
    assert (macro.average, micro.average, micro.n_classes_averaged) == ("macro", "micro", 4)


def test_multiclass_report_logits_equal_softmax():
    y, logits, p = _multiclass_case(0)

    from_logits = multiclass_report(y[:, None], logits, classes=[0, 1, 2, 3], from_logits=True)

    assert from_logits.average_value == pytest.approx(
        multiclass_report(y, p, classes=[0, 1, 2, 3]).average_value
    )


def test_multiclass_report_marks_absent_class():
    y, _, p = _multiclass_case(1)
    subset = y != 2

    report = multiclass_report(y[subset], p[subset], classes=[0, 1, 2, 3])

    assert report.per_class[2].value is None
    assert report.per_class[2].undefined_reason == "no sample of this class in the data"
    assert report.n_classes_averaged == 3
    assert report.n_classes == 4
    others = [skm.roc_auc_score(y[subset] == k, p[subset, k]) for k in (0, 1, 3)]
    assert report.average_value == pytest.approx(np.mean(others))
    assert "over 3 of 4 classes" in str(report)


def test_multiclass_report_all_classes_undefined():
    with pytest.raises(
        UndefinedMetricError, match=r"^multiclass_report: macro-averaged AUROC is undefined"
    ):
        multiclass_report([0, 0], [[0.6, 0.4], [0.7, 0.3]], classes=[0, 1])


@pytest.mark.parametrize(
    ("y", "scores", "kwargs", "message"),
    [
        (
            [0, 5],
            [[0.6, 0.4], [0.3, 0.7]],
            {},
            r"label\(s\) \[5\] that are not in `classes` \[0, 1\]",
        ),
        ([0, 1], [[0.6, 0.6], [0.3, 0.7]], {}, r"each row of `y_score` must sum to 1"),
        (
            [0, 1],
            [[0.2, 0.4, 0.4], [0.3, 0.3, 0.4]],
            {},
            r"`y_score` has 3 columns but there are 2 classes",
        ),
        ([0, 1], [[2.0, 0.4], [0.3, 0.7]], {}, r"outside that range \[2.0\].*from_logits=True"),
        ([0, 1], [[np.nan, 0.4], [0.3, 0.7]], {"from_logits": True}, r"NaN or infinite logits"),
        (
            [0, 1],
            [[0.6, 0.4], [0.3, 0.7]],
            {"average": "weighted"},
            r"`average` must be one of 'macro', 'micro'",
        ),
        ([0, 1], [[0.6, 0.4], [0.3, 0.7]], {"classes": [0, 0]}, r"at least two distinct labels"),
    ],
)
def test_multiclass_report_rejects(y, scores, kwargs, message):
    arguments = {"classes": [0, 1], **kwargs}
    with pytest.raises(ValueError, match=r"^multiclass_report: .*" + message):
        multiclass_report(y, scores, **arguments)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("average", ["macro", "micro"])
def test_multilabel_report_matches_sklearn(seed, average):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=(100, 3))
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, size=y.shape), 0, 1)

    report = multilabel_report(y, p, average=average)

    assert report.average_value == pytest.approx(skm.roc_auc_score(y, p, average=average))
    assert report.average == average


def test_multilabel_report_marks_constant_column():
    # Column 1 is all 1: no negative, so its AUROC is undefined but its AUPRC is 1.
    y = np.array([[1, 1], [0, 1], [1, 1], [0, 1]])
    p = np.array([[0.9, 0.5], [0.2, 0.4], [0.7, 0.9], [0.4, 0.1]])

    auroc = multilabel_report(y, p, class_names=["effusion", "nodule"])
    auprc = multilabel_report(y, p, class_names=["effusion", "nodule"], metric="auprc")

    assert (
        auroc.per_class[1].undefined_reason
        == "every sample is of this class, so there is no negative"
    )
    assert (auroc.average_value, auroc.n_classes_averaged) == (1.0, 1)
    assert auprc.per_class[1].value == 1.0


@pytest.mark.parametrize(
    ("y", "kwargs", "message"),
    [
        ([[0, 2], [1, 0]], {}, r"must contain only 0 and 1, got \[2\]"),
        ([0, 1], {}, r"must have shape \(n_samples, n_classes\)"),
        (
            [[0, 1], [1, 0]],
            {"class_names": ["a", "b", "c"]},
            r"`class_names` has 3 names but `y_true` has 2 columns",
        ),
    ],
)
def test_multilabel_report_rejects(y, kwargs, message):
    with pytest.raises(ValueError, match=r"^multilabel_report: .*" + message):
        multilabel_report(y, [[0.2, 0.8], [0.6, 0.4]], **kwargs)


# --- real MedMNIST data ---------------------------------------------------------


def test_breastmnist_malignant_positive(breastmnist):
    # Mean intensity is a weak score; the point is the label handling on real (N, 1) labels.
    images, labels = breastmnist["test"]
    labels_column = labels.reshape(-1, 1)
    score = images.reshape(len(images), -1).mean(axis=1) / 255

    result = bootstrap_auroc(labels_column, score, positive_label=0, n_resamples=500)

    assert result.estimate == pytest.approx(skm.roc_auc_score(labels == 0, score), abs=1e-15)
    assert result.low <= result.estimate <= result.high


def test_pneumoniamnist_threshold_on_val_evaluated_on_test(pneumoniamnist):
    (val_images, val_labels), (test_images, test_labels) = (
        pneumoniamnist["val"],
        pneumoniamnist["test"],
    )
    val_score = val_images.reshape(len(val_images), -1).mean(axis=1) / 255
    test_score = test_images.reshape(len(test_images), -1).mean(axis=1) / 255

    point = fit_threshold(val_labels, val_score, positive_label=1, method="sensitivity", target=0.9)
    report = point.evaluate(test_labels, test_score)

    assert report.n_samples == 624
    assert report.tp + report.fn == int((test_labels == 1).sum())
