"""Evidence read from outside the proposal: the training run's loss curve."""
