import numpy as np
from scipy.stats import bootstrap, spearmanr

from medguide import (SmallCNN, fit, load_splits, memoize,
                      randomisation_check, set_seed)

MALIGNANT = 0


@memoize
def train_cnn(train, val):
    set_seed(0)
    model = SmallCNN(width=8)
    fit(model, train, val, epochs=30, patience=5, seed=0)
    return model


def per_image_correlation(original, randomised):
    return np.array([spearmanr(a.ravel(), b.ravel()).statistic
                     for a, b in zip(original, randomised)])


splits = load_splits("breastmnist")
train, val, test = splits["train"], splits["val"], splits["test"]
model = train_cnn((train.images, train.labels), (val.images, val.labels))
images = test.images[test.labels == MALIGNANT][:20]

print("rank correlation between the trained model's map and the map after")
print("randomising the weights from the output layer down (20 malignant")
print("test images, mean and 95% bootstrap CI over images)\n")
print(f"{'randomised down to':<20}{'Grad-CAM':>22}{'occlusion':>22}")
checks = {
    "Grad-CAM": randomisation_check(model, images, target=MALIGNANT,
                                    method="grad_cam", layer="block3.conv"),
    "occlusion": randomisation_check(model, images, target=MALIGNANT,
                                     method="occlusion"),
}
for index, step in enumerate(checks["Grad-CAM"].steps):
    cells = []
    for method, check in checks.items():
        correlation = per_image_correlation(check.original_maps,
                                            check.steps[index].maps)
        interval = bootstrap((correlation,), np.mean, random_state=0,
                             n_resamples=2000).confidence_interval
        cells.append(f"{correlation.mean():.2f} "
                     f"({interval.low:.2f} to {interval.high:.2f})")
    print(f"{step.layer:<20}{cells[0]:>22}{cells[1]:>22}")
