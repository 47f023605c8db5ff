from sklearn.linear_model import LogisticRegression

from medguide import clinical_report, load_splits

splits = load_splits("breastmnist")
train, test = splits["train"], splits["test"]
x_train = train.images.reshape(len(train), -1) / 255.0
x_test = test.images.reshape(len(test), -1) / 255.0

model = LogisticRegression(max_iter=5000).fit(x_train, train.labels)
probability = model.predict_proba(x_test)  # columns follow model.classes_: [0, 1]

default = clinical_report(
    test.labels, probability[:, 1], positive_label=1, threshold=0.5
)
malignant = clinical_report(
    test.labels, probability[:, 0], positive_label=0, threshold=0.5
)
print("Positive class = label 1 (normal or benign), the usual default:")
print(f"  {default.sensitivity}")
print("Positive class = label 0 (malignant), the finding not to miss:")
print(f"  {malignant.sensitivity}")
print(f"  missed cancers: {malignant.fn} of {malignant.tp + malignant.fn}")
