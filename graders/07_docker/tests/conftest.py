"""A parsed view of the submitted Dockerfile for the 07_docker hidden suite.

The `student` fixture (a pathlib.Path of the folder holding the submitted Dockerfile) comes from
the grader. The `dockerfile` fixture parses it with dockerfile-parse; if there is no Dockerfile,
or it has no FROM, each test fails with that message instead of the collection failing.

The Dockerfile is read as Docker (BuildKit) reads it, not line by line: parser directives
(`# syntax=`, `# escape=`, only before any instruction, comment or empty line), line
continuations with the escape character (backslash, or the one `# escape=` sets; comment lines
inside a continuation are dropped), and here-documents (`RUN <<EOF`, `COPY <<EOF`, `<<-EOF`,
quoted delimiters): a here-document's body is the script or the file content of its instruction,
never instructions. What the reader cannot read with certainty is refused with a message saying
why; it never guesses. dockerfile-parse is used only for what it reads right on single logical
lines: ARG substitution in FROM and ENV/ARG name=value pairs.
"""

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser
from dockerfile_parse.util import extract_key_values
from dockerfile_syntax import DockerfileSyntaxError, read_dockerfile

APP_PORT = "8000"
PIP_INSTALL = re.compile(r"\bpip3?\s+install\b|\bpython3?(?:\.\d+)?\s+-m\s+pip\s+install\b")
REQUIREMENTS_FILE = re.compile(r"^(requirements|constraints)[\w.-]*\.txt$")
SHELLS = {"sh", "bash", "dash"}


@dataclass(frozen=True)
class Instruction:
    """One instruction of the Dockerfile."""

    keyword: str  # upper-case: FROM, RUN, COPY, ...
    value: str  # its arguments, continuation lines joined
    line: int  # 1-based line where it starts
    stage: int  # index of its build stage; -1 for ARGs before the first FROM
    heredocs: tuple[str, ...] = ()  # the bodies of its here-documents, in order (RUN, COPY, ADD only)
    heredoc_words: tuple[str, ...] = ()  # the words that opened them: '<<EOF', '<<-"EOF"' and '<<-EOF'

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 70 else self.value[:67] + "..."
        return f"{self.keyword} {value} (line {self.line})"

    def exec_form(self) -> list[str] | None:
        """The argument list of a JSON (exec) form instruction, or None for the shell form."""
        text = self.value.strip()
        if not text.startswith("["):
            return None
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return None
        if isinstance(parsed, list) and parsed and all(isinstance(item, str) for item in parsed):
            return parsed
        return None

    def words(self) -> list[str]:
        """Its arguments as words: the exec-form list, or a shell-style split of the text."""
        listed = self.exec_form()
        if listed is not None:
            return listed
        try:
            return shlex.split(self.value)
        except ValueError:
            return self.value.split()

    def text(self) -> str:
        """Its arguments as one string (an exec-form list joined by spaces)."""
        listed = self.exec_form()
        return " ".join(listed) if listed is not None else self.value

    def flags(self) -> list[str]:
        """Leading --options, e.g. COPY --chown=app:app or COPY --from=builder."""
        return [word for word in self.words() if word.startswith("--")]

    def paths(self) -> list[str]:
        """COPY/ADD: the sources and the destination, without the --options."""
        return [word for word in self.words() if not word.startswith("--")]

    def sources(self) -> list[str]:
        """COPY/ADD: the sources from the build context (every path but the last; here-documents
        are inline file content, not sources)."""
        return [path for path in self.paths()[:-1] if path not in self.heredoc_words]

    def script(self) -> str:
        """RUN: the text of the command it runs. A RUN whose command is only here-documents
        (`RUN <<EOF`), or a shell reading one (`RUN bash <<EOF`), runs their bodies as a script;
        in any other RUN (`RUN cat <<EOF > file`) a body is data, not commands."""
        text = self.text()
        if self.keyword != "RUN" or not self.heredocs:
            return text
        words = [word for word in self.words() if not word.startswith("--")]
        commands = [word for word in words if word not in self.heredoc_words]
        if not commands or (len(commands) == 1 and commands[0].rsplit("/", 1)[-1] in SHELLS):
            return "\n".join([text, *self.heredocs])
        return text

    def copies_from_stage(self) -> bool:
        """COPY --from=...: it copies from another stage or image, not from the build context."""
        return any(flag.startswith("--from") for flag in self.flags())

    def key_values(self) -> list[tuple[str, str]]:
        """ENV/ARG: the (name, value) pairs it sets, values as written (no substitution)."""
        try:
            pairs = extract_key_values(env_replace=False, args={}, envs={}, instruction_value=self.value)
            return [(str(name), str(value)) for name, value in pairs]
        except (ValueError, IndexError):
            pytest.fail(f"{self}: cannot read its name=value pairs", pytrace=False)


@dataclass(frozen=True)
class Dockerfile:
    """The instructions of the Dockerfile and the image each stage starts FROM."""

    instructions: tuple[Instruction, ...]
    images: tuple[str, ...]  # one per FROM, top-level ARGs substituted

    @property
    def final_stage(self) -> list[Instruction]:
        """The instructions of the last build stage, its FROM included: what the image is made of."""
        last = len(self.images) - 1
        return [ins for ins in self.instructions if ins.stage == last]

    def final(self, keyword: str) -> list[Instruction]:
        """The final stage's instructions with that keyword, in order."""
        return [ins for ins in self.final_stage if ins.keyword == keyword]

    def every(self, keyword: str) -> list[Instruction]:
        """Every instruction with that keyword, in any stage."""
        return [ins for ins in self.instructions if ins.keyword == keyword]

    def stage(self, index: int) -> list[Instruction]:
        return [ins for ins in self.instructions if ins.stage == index]

    def stage_names(self) -> set[str]:
        """The `AS name` of every stage, lower-case."""
        names = set()
        for ins in self.every("FROM"):
            words = ins.value.split()
            if len(words) >= 3 and words[-2].lower() == "as":
                names.add(words[-1].lower())
        return names


def parse(text: str, scratch: Path) -> Dockerfile:
    """Read the Dockerfile as Docker does (dockerfile_syntax.py), then let dockerfile-parse
    substitute top-level ARGs in the FROM lines, fed one logical line per instruction."""
    try:
        logical = read_dockerfile(text)
    except DockerfileSyntaxError as exc:
        pytest.fail(f"the Dockerfile cannot be read: {exc}", pytrace=False)
    instructions = []
    stage = -1
    for item in logical:
        if item.keyword == "FROM":
            stage += 1
        # a here-document's word as written (<<-'EOF') and as words() splits it (<<-EOF)
        markers = tuple({*item.heredoc_words, *(" ".join(shlex.split(word)) for word in item.heredoc_words)})
        instructions.append(Instruction(item.keyword, item.value, item.line, stage, item.heredocs, markers))
    scratch.mkdir(parents=True, exist_ok=True)
    parser = DockerfileParser(path=str(scratch))
    parser.content = "".join(f"{ins.keyword} {ins.value}\n" for ins in instructions if ins.keyword in ("ARG", "FROM"))
    return Dockerfile(tuple(instructions), tuple(parser.parent_images))


@pytest.fixture
def dockerfile(student: Path, tmp_path: Path) -> Dockerfile:
    """The submitted Dockerfile, parsed."""
    path = student / "Dockerfile"
    if not path.is_file():
        pytest.fail("no Dockerfile was submitted: write one named exactly 'Dockerfile'", pytrace=False)
    text = path.read_text(encoding="utf-8", errors="replace")
    parsed = parse(text, tmp_path / "parse")
    if not parsed.images:
        pytest.fail("the Dockerfile has no FROM instruction: start with FROM python:3.12-slim", pytrace=False)
    return parsed
