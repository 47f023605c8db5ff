from medguide import clinical_report, fit_threshold

y = [0, 0, 0, 0, 1, 1, 1, 1]
s_val = [0.10, 0.30, 0.45, 0.60, 0.40, 0.55, 0.70, 0.90]
s_test = [0.20, 0.35, 0.50, 0.52, 0.38, 0.51, 0.65, 0.80]

frozen = fit_threshold(y, s_val, positive_label=1)
retuned = fit_threshold(y, s_test, positive_label=1)

for name, threshold in [("fitted on validation", frozen.threshold),
                        ("re-tuned on test", retuned.threshold)]:
    report = clinical_report(y, s_test, positive_label=1, threshold=threshold)
    youden = report.sensitivity.estimate + report.specificity.estimate - 1
    print(f"{name:<21} threshold {threshold:.2f}: test sensitivity "
          f"{report.sensitivity.estimate:.2f}, specificity "
          f"{report.specificity.estimate:.2f}, Youden J {youden:.2f}")
