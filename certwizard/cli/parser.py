"""argparse, with one thing it does not say: that a value starting with '-' was read as an option.

`certwizard check domains --product dv-single -bad.example.com` made argparse answer "the following arguments
are required: DOMAIN", which hides why. Every parser of the command line is a `CommandParser`: when a token
that no option of the command knows starts with '-', the error says so and shows the same command with `--`
before the values (or OPTION=VALUE, when the token was meant as an option's value).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from typing import Any, NoReturn


class CommandParser(argparse.ArgumentParser):
    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:   # argparse's overloads
        self._cw_given = list(sys.argv[1:] if args is None else args)
        parsed, extras = super().parse_known_args(args, namespace)
        if self._value_arguments() and self._unknown_dashed(extras):
            # The top-level parser would say "unrecognized arguments" without the hint: say it here.
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        super().error(message + self._dash_hint())

    # --- the hint -------------------------------------------------------------------------------------------

    def _value_arguments(self) -> list[argparse.Action]:
        return [action for action in self._actions
                if not action.option_strings and not isinstance(action, argparse._SubParsersAction)]

    def _known(self, token: str) -> argparse.Action | None:
        return self._option_string_actions.get(token.split("=", 1)[0])

    def _unknown_dashed(self, tokens: Sequence[str]) -> list[str]:
        def negative_number(token: str) -> bool:    # argparse reads -5 as a value, unless an option
            looks_negative = bool(self._negative_number_matcher.match(token))
            return looks_negative and not self._has_negative_number_optionals

        return [token for token in tokens
                if token.startswith("-") and token not in ("-", "--") and self._known(token) is None
                and not negative_number(token)]

    def _dash_hint(self) -> str:
        positionals = self._value_arguments()
        given = list(getattr(self, "_cw_given", []))
        if "--" in given:
            given = given[:given.index("--")]
        suspects = self._unknown_dashed(given)
        if not positionals or not suspects:
            return ""
        token = suspects[0]
        index = given.index(token)
        before = self._known(given[index - 1]) if index > 0 and "=" not in given[index - 1] else None
        if before is not None and before.nargs != 0:
            option = given[index - 1]
            return (f"\n{token!r} was read as an option because it starts with '-', so {option} got no "
                    f"value. To give it as the value, join them with '=': {option}={token}")
        options, values = self._split(given)
        command = " ".join([self.prog, *map(shlex.quote, options), "--", *map(shlex.quote, values)])
        metavar = positionals[0].metavar or positionals[0].dest
        return (f"\n{token!r} was read as an option because it starts with '-', not as {metavar}. To pass it "
                f"as {metavar} anyway, put -- after the options: {command}")

    def _split(self, given: list[str]) -> tuple[list[str], list[str]]:
        """The tokens that are known options (with their values), and all the others."""
        options: list[str] = []
        values: list[str] = []
        pending = 0
        for token in given:
            if pending:
                options.append(token)
                pending -= 1
                continue
            action: Any = self._known(token) if token.startswith("-") else None
            if action is None:
                values.append(token)
                continue
            options.append(token)
            if "=" not in token and action.nargs != 0:
                pending = action.nargs if isinstance(action.nargs, int) else 1
        return options, values
