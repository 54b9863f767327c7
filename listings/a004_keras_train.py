from tensorflow.keras.optimizers import Adam

# 编译生成器、判别器和GAN模型
discriminator.compile(optimizer=Adam(0.0001), loss="binary_crossentropy")
gan_output.compile(optimizer=Adam(0.0004, beta_1=0.5), loss="binary_crossentropy")

# 搭建对抗性训练过程
for epoch in range(1000):
    for _ in range(100):
        # 随机噪声作为生成器的输入
        noise = np.random.normal(0, 1, (batch_size, latent_dim))
        
        # 生成假图像
        generated_images = generator.predict(noise)
        
        # 创造真实和假图像的标签
        real_images = train_images[:batch_size]
        real_labels = np.ones((batch_size, 1))
        fake_labels = np.zeros((batch_size, 1))
        
        # 训练判别器
        d_loss_real = discriminator.train_on_batch(real_images, real_labels)
        d_loss_fake = discriminator.train_on_batch(generated_images, fake_labels)
        d_loss = 0.5 * np.add(d_loss_real, d_loss_fake)
        
        # 训练生成器
        g_loss = gan_output.train_on_batch(noise, real_labels)
        
    print(f"Epoch: {epoch}, Generator Loss: {g_loss}, Discriminator Loss: {d_loss}")
