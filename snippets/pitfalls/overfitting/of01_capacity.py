import matplotlib.pyplot as plt
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from medguide import bootstrap_auroc, load_splits

splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
x_train = train.images.reshape(len(train), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0
leaf_sizes = [64, 32, 16, 8, 4, 2]

search = GridSearchCV(
    DecisionTreeClassifier(random_state=0),
    {"min_samples_leaf": leaf_sizes},
    scoring="roc_auc",
    cv=StratifiedKFold(5, shuffle=True, random_state=0),
    return_train_score=True,
).fit(x_train, train.labels)
fitted_auroc = search.cv_results_["mean_train_score"]
held_out_auroc = search.cv_results_["mean_test_score"]

print("min_samples_leaf  AUROC on training folds  AUROC on held-out folds")
for leaf, fitted, held_out in zip(leaf_sizes, fitted_auroc, held_out_auroc):
    print(f"{leaf:>16}  {fitted:23.3f}  {held_out:23.3f}")
print()

tree = DecisionTreeClassifier(min_samples_leaf=2, random_state=0)
tree.fit(x_train, train.labels)
for name, x, split in [("training", x_train, train), ("test", x_test, test)]:
    auroc = bootstrap_auroc(split.labels, tree.predict_proba(x)[:, 0],
                            positive_label=0)
    print(f"min_samples_leaf=2 on the {name} set: AUROC {auroc.estimate:.3f} "
          f"(95% CI {auroc.low:.3f} to {auroc.high:.3f})")

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
positions = range(len(leaf_sizes))
ax.plot(positions, fitted_auroc, "o-", color="#0072B2",
        label="training folds")
ax.plot(positions, held_out_auroc, "s--", color="#D55E00",
        label="held-out folds")
ax.set_xticks(list(positions), [str(leaf) for leaf in leaf_sizes])
ax.set_xlabel("min_samples_leaf (smaller leaves: more capacity)")
ax.set_ylabel("mean AUROC over 5 folds")
ax.set_ylim(0.5, 1.02)
ax.legend()
