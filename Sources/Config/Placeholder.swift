public enum ConfigModule {}
