"""A bundled sample of government portals, served on 127.0.0.1 for tests and `govreports demo`.

`sampleportal.server.start_sample_portal()` starts it; `python -m sampleportal --port N` serves it
until interrupted. What the sites hold is described in sampleportal/site.py.
"""
