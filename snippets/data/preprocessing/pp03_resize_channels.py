import torch
import torch.nn.functional as F

from medguide import load_split

train = load_split("breastmnist", "train")
pixels = torch.from_numpy(train.images).float().div(255)
mean, std = pixels.mean().item(), pixels.std().item()

batch = pixels[:8].unsqueeze(1)
resized = F.interpolate(batch, size=(64, 64), mode="bilinear",
                        align_corners=False, antialias=True)
three_channel = resized.expand(-1, 3, -1, -1)
normalised = (three_channel - mean) / std

print(f"training mean {mean:.4f}, standard deviation {std:.4f}")
print(f"stored:      {tuple(batch.shape)}, {batch.dtype}")
print(f"resized:     {tuple(resized.shape)}")
print(f"3 channels:  {tuple(normalised.shape)}, identical channels: "
      f"{bool((normalised[:, 0] == normalised[:, 2]).all())}")
print(f"values per image: {batch[0].numel()} -> {normalised[0].numel()}")
