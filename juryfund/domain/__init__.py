"""Pure business rules of juryfund: voting, application states, money and the fund books.

Nothing in this package may import Flask, SQLAlchemy or Werkzeug (``tests/domain/test_purity.py``
enforces it), so the rules can be tested and reused without an application or a database.
"""
