"""The ceiling: a bare Flask app that answers "Hello, World!", served like juryfund."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """The least work a Flask view can do."""
    return "Hello, World!"
