# 生成并保存图像
noise = np.random.normal(0, 1, (50, latent_dim))
generated_images = generator.predict(noise)
generated_images = (generated_images * 255).astype(np.uint8)

import matplotlib.pyplot as plt

fig, ax = plt.subplots(5, 10, figsize=(10, 10))
for i, img in enumerate(generated_images):
    ax[i % 5][i // 5].imshow(img, cmap='gray')
    ax[i % 5][i // 5].axis('off')

plt.show()
