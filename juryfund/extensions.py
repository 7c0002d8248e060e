"""Flask extensions, created unbound so the app factory attaches them with init_app."""

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

#: Deterministic constraint names keep Alembic migrations stable on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# The base class of every model. At run time it is `db.Model`, which Flask-SQLAlchemy builds when
# the extension is created: a new declarative base with Base's body (the metadata) and the
# bases (BindMixin, NameMixin, flask_sqlalchemy.model.Model, DeclarativeBase); Base itself is
# not one of them. A type checker cannot subclass an attribute of an instance (mypy: 'Name
# "db.Model" is not defined'), so it is given a class of the same shape instead. BindMixin and
# NameMixin are left out: they add only run-time hooks (bind metadata, derived table names), and
# their `__table__` annotation clashes with DeclarativeBase's.
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskSQLAlchemyModel

    class Model(_FlaskSQLAlchemyModel, DeclarativeBase):
        """What `db.Model` is for the type checker."""

        # DeclarativeBase says FromClause (a class may be mapped to any selectable); every
        # model here is mapped to a Table, single-table subclasses to their parent's.
        __table__: ClassVar[Table]

else:
    Model = db.Model

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
#: Limits are declared per view (juryfund.web.security.limit); the storage comes from the settings.
limiter = Limiter(key_func=get_remote_address)
