"""Exceptions for user mistakes: the CLI shows their message in one line, never a traceback."""


class DistrettiError(Exception):
    """A problem the user can fix; the message is in Italian and says where and how."""

    exit_code = 2


class InputError(DistrettiError):
    """An input file cannot be read at all (missing, not a workbook, wrong structure)."""

    exit_code = 2


class ConfigError(DistrettiError):
    """A data file the researchers edit (registry, questionnaire, coding frame) is invalid."""

    exit_code = 1
