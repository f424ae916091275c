"""rlgpt-driving: a MuJoCo car on a procedurally generated winding road, as an rlgpt environment."""
