import matplotlib.pyplot as plt
import numpy as np

from medguide import (SmallCNN, bootstrap_auroc, fit, load_splits, memoize,
                      predict, set_seed)


@memoize
def train_cnn(images, labels, val_images, val_labels):
    set_seed(0)
    model = SmallCNN(width=16, dropout=0.0)
    history = fit(model, (images, labels), (val_images, val_labels),
                  epochs=30, patience=None, seed=0)
    return model, history


splits = load_splits("breastmnist")
train, val, test = splits["train"], splits["val"], splits["test"]
subset = np.sort(np.random.default_rng(0).choice(len(train), 120, False))
images, labels = train.images[subset], train.labels[subset]

model, history = train_cnn(images, labels, val.images, val.labels)

print(f"training loss: epoch 0 {history.train_loss[0]:.3f}, "
      f"epoch {history.epochs_run - 1} {history.train_loss[-1]:.3f}")
print(f"validation loss: lowest {history.best_val_loss:.3f} at epoch "
      f"{history.best_epoch}, highest after it "
      f"{max(history.val_loss[history.best_epoch:]):.3f}")
for name, x, y in [("validation", val.images, val.labels),
                   ("test", test.images, test.labels)]:
    auroc = bootstrap_auroc(y, predict(model, x)[:, 0], positive_label=0)
    print(f"weights of epoch {history.best_epoch}, {name} AUROC "
          f"{auroc.estimate:.3f} (95% CI {auroc.low:.3f} to {auroc.high:.3f})")

fig, ax = plt.subplots(figsize=(6.5, 3.5), layout="constrained")
epochs = np.arange(history.epochs_run)
ax.plot(epochs, history.train_loss, "o-", color="#0072B2", label="training")
ax.plot(epochs, history.val_loss, "s--", color="#D55E00", label="validation")
ax.axvline(history.best_epoch, color="black", linestyle=":",
           label="lowest validation loss")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy loss")
ax.legend()
