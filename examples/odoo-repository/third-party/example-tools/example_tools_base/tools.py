import re

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(value):
    """The address in lower case without blanks, or None when it is not one."""
    if not value:
        return None
    address = value.strip().lower()
    return address if _ADDRESS.match(address) else None
