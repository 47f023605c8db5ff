import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from medguide import bootstrap_auroc, load_splits

splits = load_splits("breastmnist")
x = {name: s.images.reshape(len(s), -1) / 255.0 for name, s in splits.items()}
y = {name: s.labels for name, s in splits.items()}
everything = np.concatenate(list(x.values()))

right = make_pipeline(StandardScaler(), LogisticRegression(solver="liblinear"))
right.fit(x["train"], y["train"])

wrong_scaler = StandardScaler().fit(everything)
wrong_model = LogisticRegression(solver="liblinear")
wrong_model.fit(wrong_scaler.transform(x["train"]), y["train"])

print(f"mean intensity: train only {x['train'].mean():.4f}, "
      f"all splits {everything.mean():.4f}")
print(f"{'scaler fitted on':<18} {'test AUROC (95% CI)':>22}")
for name, score in [
    ("train only", right.predict_proba(x["test"])[:, 0]),
    ("all splits", wrong_model.predict_proba(
        wrong_scaler.transform(x["test"]))[:, 0]),
]:
    auc = bootstrap_auroc(y["test"], score, positive_label=0)
    print(f"{name:<18} {auc.estimate:>8.3f} ({auc.low:.3f}-{auc.high:.3f})")
