"""The one error type every parser raises, with enough location to act on it."""

from __future__ import annotations

from .model import QualityFlag


class FmdError(Exception):
    """Input was rejected. ``str()`` names the file, line, part, material and field where known."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        part_number: str | None = None,
        material: str | None = None,
        code: str = "invalid-input",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.part_number = part_number
        self.material = material
        self.code = code

    @classmethod
    def from_flag(cls, flag: QualityFlag, path: str) -> FmdError:
        return cls(
            flag.message,
            path=path,
            line=flag.line,
            field=flag.field,
            part_number=flag.part_number,
            material=flag.material,
            code=flag.code,
        )

    def location(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        details = []
        if self.part_number:
            details.append(f"part {self.part_number!r}")
        if self.material:
            details.append(f"material {self.material!r}")
        if self.field:
            details.append(f"field {self.field!r}")
        return where + (f" ({', '.join(details)})" if details else "")

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "error": self.code,
            "message": self.message,
            "file": self.path,
            "line": self.line,
            "field": self.field,
            "part_number": self.part_number,
            "material": self.material,
        }


class FmdValidationError(FmdError):
    """Several problems found in one file; the first is the headline, all are listed."""

    def __init__(self, flags: list[QualityFlag], path: str) -> None:
        first = flags[0]
        more = f" (and {len(flags) - 1} more problem(s))" if len(flags) > 1 else ""
        super().__init__(
            first.message + more,
            path=path,
            line=first.line,
            field=first.field,
            part_number=first.part_number,
            material=first.material,
            code=first.code,
        )
        self.flags = flags

    def __str__(self) -> str:
        lines = [super().__str__()]
        for flag in self.flags[1:]:
            lines.append("  " + str(FmdError.from_flag(flag, self.path or "<input>")))
        return "\n".join(lines)
