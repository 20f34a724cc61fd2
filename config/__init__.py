"""newswatch's shipped configuration (YAML files); see newswatch.settings for their schema."""
