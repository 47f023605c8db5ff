import numpy as np

from medguide import load_split

images = load_split("breastmnist", "train").images
image = images[0]

wrong = (image - image.min()) * 255 // (image.max() - image.min())
as_float = image.astype(np.float64)
right = (as_float - as_float.min()) * 255 / (as_float.max() - as_float.min())

print(f"dtype {image.dtype}, values {image.min()} to {image.max()}")
print(f"uint8 arithmetic:   dtype {wrong.dtype}, values {wrong.min()} to "
      f"{wrong.max()}")
print(f"float64 arithmetic: dtype {right.dtype}, values {right.min():.0f} to "
      f"{right.max():.0f}")
wrong_pixels = np.mean(np.abs(wrong - np.floor(right)) > 1)
print(f"pixels more than 1 grey level off: {wrong_pixels:.1%}")
