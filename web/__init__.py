"""The bureaus' portal (报送入口): a thin FastAPI + Jinja2 layer over db/ and core/, beside cli/."""
