import tensorflow as tf
from tensorflow.keras.layers import Dense, Flatten, Reshape
from tensorflow.keras.models import Sequential
import numpy as np
import matplotlib.pyplot as plt

# 定义生成器模型
def build_generator(z_dim):
    model = Sequential()
    model.add(Dense(128, input_shape=(z_dim,), activation='relu'))
    model.add(Dense(256, activation='relu'))
    model.add(Dense(512, activation='relu'))
    model.add(Dense(1024, activation='relu'))
    model.add(Dense(28 * 28 * 3, activation='tanh'))
    model.add(Reshape((28, 28, 3)))
    return model

# 定义判别器模型
def build_discriminator(img_shape):
    model = Sequential()
    model.add(Flatten(input_shape=img_shape))
    model.add(Dense(512, activation='relu'))
    model.add(Dense(256, activation='relu'))
    model.add(Dense(128, activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    return model

# 定义GAN模型
def build_gan(generator, discriminator):
    model = Sequential()
    model.add(generator)
    model.add(discriminator)
    return model

# 设置参数
z_dim = 100
img_shape = (28, 28, 3)

# 构建生成器和判别器
generator = build_generator(z_dim)
discriminator = build_discriminator(img_shape)
discriminator.compile(optimizer='adam', loss='binary_crossentropy')

# 构建并编译GAN模型
gan_model = build_gan(generator, discriminator)
gan_model.compile(optimizer='adam', loss='binary_crossentropy')

# 加载MNIST数据集
(x_train, _), (x_test, _) = tf.keras.datasets.mnist.load_data()
x_train = x_train.astype('float32') / 255.
x_train = np.expand_dims(x_train, axis=3)

# 定义生成器的输入
z = tf.keras.layers.Input(shape=(z_dim,))
img = generator(z)

# 定义判别器的输入
real_img = tf.keras.layers.Input(shape=img_shape)
fake_img = tf.keras.layers.Input(shape=img_shape)

# 训练判别器
discriminator.train_on_batch(real_img, tf.ones((batch_size, 1)))
discriminator.train_on_batch(fake_img, tf.zeros((batch_size, 1)))

# 训练生成器
z_batch = np.random.normal(size=(batch_size, z_dim))
gan_model.train_on_batch(z_batch, tf.ones((batch_size, 1)))

# 绘制生成的人脸图像
plt.figure(figsize=(10, 10))
for i in range(100):
    z_sample = np.random.normal(size=(1, z_dim))
    gen_img = generator.predict(z_sample)
    plt.subplot(10, 10, i + 1)
    plt.imshow(gen_img[0, :, :, 0], cmap='gray')
    plt.xticks([])
    plt.yticks([])
plt.show()
