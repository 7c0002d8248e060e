"""Developer tools: the demo installation and the benchmark data; never imported by the app itself."""
