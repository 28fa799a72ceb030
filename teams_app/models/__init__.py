"""Models, one module per aggregate. Importing this package registers every table."""

from teams_app.database import Base, utcnow
from teams_app.models.activity import Activity
from teams_app.models.people import (
    ApiToken,
    Department,
    DepartmentKind,
    DigestFrequency,
    Level,
    Role,
    User,
)

__all__ = [
    "Activity",
    "ApiToken",
    "Base",
    "Department",
    "DepartmentKind",
    "DigestFrequency",
    "Level",
    "Role",
    "User",
    "utcnow",
]
