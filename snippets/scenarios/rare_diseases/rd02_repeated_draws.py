import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from medguide import load_splits, memoize

PNEUMONIA = 1


@memoize
def out_of_fold_scores(images, labels):
    model = LogisticRegression(max_iter=2000)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    return cross_val_predict(model, images.reshape(len(images), -1) / 255,
                             labels, cv=folds, method="predict_proba")[:, 1]


splits = load_splits("pneumoniamnist")
images = np.concatenate([split.images for split in splits.values()])
labels = np.concatenate([split.labels for split in splits.values()])
scores = out_of_fold_scores(images, labels)
negatives = np.flatnonzero(labels != PNEUMONIA)
positives = np.flatnonzero(labels == PNEUMONIA)

rng = np.random.default_rng(1)
draws = 200
print(f"{draws} test sets per prevalence, each with all {len(negatives)} "
      "normal images")
print(f"{'prevalence':<11}{'positives':>10}{'AUROC 5th-95th pct':>22}"
      f"{'AUPRC 5th-95th pct':>22}")
for prevalence in [0.10, 0.02, 0.005]:
    count = round(prevalence * len(negatives) / (1 - prevalence))
    aurocs, auprcs = [], []
    for _ in range(draws):
        keep = np.concatenate(
            [negatives, rng.choice(positives, size=count, replace=False)])
        is_positive = labels[keep] == PNEUMONIA
        aurocs.append(roc_auc_score(is_positive, scores[keep]))
        auprcs.append(average_precision_score(is_positive, scores[keep]))
    auroc_range = np.percentile(aurocs, [5, 95])
    auprc_range = np.percentile(auprcs, [5, 95])
    print(f"{prevalence:<11.1%}{count:>10}"
          f"{auroc_range[0]:>15.2f} - {auroc_range[1]:.2f}"
          f"{auprc_range[0]:>15.2f} - {auprc_range[1]:.2f}")
