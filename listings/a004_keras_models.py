from tensorflow.keras.models import Model
from tensorflow.keras.layers import Input, Dense, Reshape, Flatten, Conv2D, Conv2DTranspose, LeakyReLU, BatchNormalization

# 生成器模型
latent_dim = 100
input_noise = Input(shape=(latent_dim,))
x = Dense(128 * 7 * 7)(input_noise)
x = BatchNormalization()(x)
x = LeakyReLU()(x)
x = Reshape((7, 7, 128))(x)
x = Conv2DTranspose(128, kernel_size=5, strides=2, padding="same")(x)
x = BatchNormalization()(x)
x = LeakyReLU()(x)
x = Conv2DTranspose(128, kernel_size=5, strides=2, padding="same")(x)
x = BatchNormalization()(x)
x = LeakyReLU()(x)
output_image = Conv2DTranspose(1, kernel_size=5, strides=2, padding="same", activation="sigmoid")(x)

generator = Model(input_noise, output_image)
generator.summary()

# 判别器模型
input_image = Input(shape=(28, 28, 1))
x = Conv2D(128, kernel_size=3, strides=2, padding="same")(input_image)
x = LeakyReLU(alpha=0.2)
x = Conv2D(128, kernel_size=3, strides=2, padding="same")(x)
x = BatchNormalization()
x = LeakyReLU(alpha=0.2)
x = Flatten()(x)
x = Dense(1, activation="sigmoid")(x)

discriminator = Model(input_image, x)
discriminator.summary()

# GAN模型
output_used = discriminator(generator(input_noise))
gan_output = Model(input_noise, output_used)
gan_output.summary()
