"""Evidence measured from a team's own artefacts (training data, training logs) for a proposal."""
