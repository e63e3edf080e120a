"""Features of a passage, one number per token, for finding the units that follow them.

Built in (after Karpathy, Johnson and Fei-Fei, "Visualizing and Understanding Recurrent
Networks", who found cells tracking line length, quotes and brackets):

==================  ===========================================================================
``line_position``   tokens since the line began (the newline itself ends its line)
``line_start``      1 on the first token of each line
``in_quotes``       1 while a double quote is open, after reading the token
``in_brackets``     1 while a ``(``, ``[`` or ``{`` is open, after reading the token
``in_word``         1 on letters (and an apostrophe between two letters)
``word_length``     letters of the current word so far (0 outside words)
``upper_run``       upper-case letters in a row so far
``speaker_line``    1 on a tiny-shakespeare speaker's name line (``ROMEO:`` after a blank line)
``bracket_depth``   how many ``(``, ``[`` and ``{`` are open after reading the token (never below 0)
``indent``          the current line's indentation so far: columns of leading spaces and tabs (a tab
                    to the next multiple of 8), kept to the line's end (the newline included)
``in_string``       1 inside a Python string literal: ``'`` or ``"``, or three of either (which may
                    span lines), skipping backslash-escaped quotes and ``#`` comments; the opening
                    quote is inside, the closing one outside
==================  ===========================================================================

Each is what the model *could* know after reading token t (only ``speaker_line`` looks
ahead, to the colon, and ``in_string`` two characters, to tell an empty string from three
quotes). ``in_quotes`` keeps its plain rule (every double quote toggles it), which suits
prose; ``in_string`` is its rule for Python source. For a word model the same rules apply
to words: a line is a sentence (``<eos>`` ends it), and a word's letters are its characters.

A user feature is a regular expression (1 on every token inside a match) or a span the
user marks (LSTMVis's "select a range"): 1 on tokens ``start`` to ``end - 1``.
"""
import difflib
import re

import numpy as np

from ...ptb.reader import EOS
from ...runtime import interrupts
from ...runtime.errors import R2RTError
from .limits import TooSlow, time_limit

LINE_BREAKS = ("\n", EOS)
SPEAKER = re.compile(r"(?:\A|(?<=\n\n))[A-Z][A-Za-z' ]{0,40}:(?=\n)")
OPENERS, CLOSERS = "([{", ")]}"
REGEX_SECONDS = 10.0  # the longest a user's regular expression may take to match the passage


def _line_position(tokens):
    out, n = np.zeros(len(tokens)), 0
    for t, tok in enumerate(tokens):
        out[t] = n
        n = 0 if tok in LINE_BREAKS else n + 1
    return out


def _line_start(tokens):
    out = np.zeros(len(tokens))
    for t in range(len(tokens)):
        out[t] = t == 0 or tokens[t - 1] in LINE_BREAKS
    return out


def _quote_open_after(tokens, quote='"'):
    """1 where, after reading the token, an odd number of ``quote`` characters has been read."""
    out, inside = np.zeros(len(tokens)), 0
    for t, tok in enumerate(tokens):
        inside = (inside + tok.count(quote)) % 2
        out[t] = inside
    return out


def _bracket_depth(tokens):
    """Brackets open after reading each token; a closer with nothing open is ignored."""
    out, depth = np.zeros(len(tokens)), 0
    for t, tok in enumerate(tokens):
        for ch in tok:
            if ch in OPENERS:
                depth += 1
            elif ch in CLOSERS:
                depth = max(0, depth - 1)
        out[t] = depth
    return out


def _indent(tokens):
    out, width, leading = np.zeros(len(tokens)), 0, True
    for t, tok in enumerate(tokens):
        for ch in tok:
            if leading and ch == " ":
                width += 1
            elif leading and ch == "\t":
                width += 8 - width % 8
            elif ch not in LINE_BREAKS:
                leading = False
        out[t] = width
        if tok in LINE_BREAKS:
            width, leading = 0, True
    return out


def _string_marks(text):
    """``[len(text)]``: 1 where, after that character, a Python string literal is open (see the module's table)."""
    out = np.zeros(len(text))
    i, quote, comment = 0, None, False
    while i < len(text):
        step = 1
        if comment:
            comment = text[i] != "\n"
        elif quote is None:
            step, quote, comment = _outside_string(text, i)
        else:
            step, quote = _inside_string(text, i, quote)
        out[i:i + step] = quote is not None
        i += step
    return out


def _outside_string(text, i):
    """At ``text[i]``, outside strings and comments: ``(characters read, quote opened or None, comment begins)``."""
    ch = text[i]
    if ch == "#":
        return 1, None, True
    if ch in "'\"":
        quote = ch * 3 if text.startswith(ch * 3, i) else ch
        return len(quote), quote, False
    return 1, None, False


def _inside_string(text, i, quote):
    """At ``text[i]``, inside a string opened by ``quote``: ``(characters read, quote, or None once it closes)``."""
    ch = text[i]
    if ch == "\\":
        return 2, quote  # the escaped character cannot close the string
    if text.startswith(quote, i):
        return len(quote), None
    if ch == "\n" and len(quote) == 1:
        return 1, None  # an unclosed one-line string ends with its line
    return 1, quote


def _in_string(tokens):
    text, _, ends = passage_text(tokens)
    return _string_marks(text)[ends - 1]  # the state after the token's last character


def _is_letters(tok):
    return tok.isalpha() or (len(tok) > 1 and tok.replace("'", "").isalpha())


def _in_word(tokens):
    out = np.array([_is_letters(tok) for tok in tokens], dtype=float)
    for t in range(1, len(tokens) - 1):  # "don't": the apostrophe is inside the word
        if tokens[t] == "'" and out[t - 1] and out[t + 1]:
            out[t] = 1
    return out


def _word_length(tokens):
    inside, out, n = _in_word(tokens), np.zeros(len(tokens)), 0
    for t, tok in enumerate(tokens):
        n = (n + 1 if len(tok) == 1 else len(tok)) if inside[t] else 0  # a word token is a whole word
        out[t] = n
    return out


def _upper_run(tokens):
    out, n = np.zeros(len(tokens)), 0
    for t, tok in enumerate(tokens):
        n = (n + 1 if len(tok) == 1 else len(tok)) if tok.isalpha() and tok.isupper() else 0
        out[t] = n
    return out


def _speaker_line(tokens):
    return regex_feature(tokens, SPEAKER)


BUILT_IN = {
    "line_position": _line_position,
    "line_start": _line_start,
    "in_quotes": _quote_open_after,
    "in_brackets": lambda tokens: (_bracket_depth(tokens) > 0).astype(float),
    "bracket_depth": _bracket_depth,
    "indent": _indent,
    "in_string": _in_string,
    "in_word": _in_word,
    "word_length": _word_length,
    "upper_run": _upper_run,
    "speaker_line": _speaker_line,
}


def passage_text(tokens):
    """The tokens as one text and where each lies in it: ``(text, starts, ends)``.

    Characters are joined as they are; words by spaces, ``<eos>`` shown as a line break.
    """
    if all(len(tok) == 1 for tok in tokens):
        starts = np.arange(len(tokens))
        return "".join(tokens), starts, starts + 1
    shown = ["\n" if tok == EOS else tok for tok in tokens]
    lengths = np.array([len(tok) for tok in shown])
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(int)
    return " ".join(shown), starts, starts + lengths


def regex_feature(tokens, pattern, seconds=None):
    """1.0 on every token that a match of ``pattern`` (a compiled regex or a string) covers, else 0.0: ``[T]``.

    Finding the matches may take at most ``seconds`` (default :data:`REGEX_SECONDS`; an R2RTError
    beyond: some expressions, such as ``(a+)+$``, take exponential time), and a Ctrl-C stops it
    (see :func:`.limits.time_limit`).
    """
    seconds = REGEX_SECONDS if seconds is None else seconds
    pattern = compile_regex(pattern) if isinstance(pattern, str) else pattern
    text, starts, ends = passage_text(tokens)
    marks = np.zeros(len(text) + 1, dtype=np.int64)  # +1 where a match starts, -1 where it ends
    try:
        with time_limit(seconds):
            spans = [match.span() for match in pattern.finditer(text)]
    except TooSlow:
        raise R2RTError(f"the regular expression for feature {pattern.pattern!r} took more than {seconds:g} s; "
                        "simplify it", params=("feature",)) from None
    for start, end in spans:
        marks[start] += 1
        marks[end] -= 1
    covered = np.concatenate([[0], np.cumsum(np.cumsum(marks)[:len(text)] > 0)])  # covered characters before i
    return (covered[ends] - covered[starts] > 0).astype(float)


def close_built_in(name):
    """The built-in feature ``name`` is most likely a misspelling of, or None."""
    close = difflib.get_close_matches(str(name).lower(), BUILT_IN, n=1, cutoff=0.8)
    return close[0] if close else None


def compile_regex(pattern):
    """``pattern`` compiled; an R2RTError for one that does not compile, or that is a built-in's name misspelt."""
    guess = close_built_in(pattern)
    if guess and re.fullmatch(r"\w+", pattern):  # a name, not an expression: the user meant a built-in
        raise R2RTError(f"feature {pattern!r} is not a built-in: did you mean {guess}? (to look for the text "
                        f"{pattern!r} itself, write it as the regular expression (?:{pattern}))", params=("feature",))
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise R2RTError(f"feature {pattern!r} is not a built-in ({', '.join(BUILT_IN)}) and does not compile as a "
                        f"regular expression ({exc}); fix the expression or pick a built-in",
                        params=("feature",)) from None


def span_feature(num_tokens, start, end):
    """1.0 on tokens ``start`` to ``end - 1`` (a span the user marked), else 0.0: ``[num_tokens]``."""
    if not 0 <= start < end <= num_tokens:
        raise R2RTError(f"span {start}:{end} does not lie inside the passage of {num_tokens} tokens; "
                        f"give START:END with 0 <= START < END <= {num_tokens}", params=("span",))
    out = np.zeros(num_tokens)
    out[start:end] = 1.0
    return out


def parse_span(text):
    """``"START:END"`` -> ``(start, end)``; a span that cannot lie inside any passage is refused here."""
    fields = str(text).split(":")
    if len(fields) != 2 or not all(re.fullmatch(r"\s*-?\d+\s*", f) for f in fields):
        raise R2RTError(f"span {text!r} is not START:END in token positions (e.g. 120:180)", params=("span",))
    start, end = int(fields[0]), int(fields[1])
    if not 0 <= start < end:
        raise R2RTError(f"span {start}:{end} does not lie inside the passage; give START:END with 0 <= START < END",
                        params=("span",))
    return start, end


def span_name(start, end):
    """The name of the feature a marked span makes."""
    return f"span {start}:{end}"


def feature_names(specs=None, spans=()):
    """The names :func:`compute_features` gives its features, in its order."""
    return list(dict.fromkeys(list(BUILT_IN) if specs is None else specs)) + [span_name(*s) for s in spans]


def feature_names_and_patterns(specs):
    """``features`` values -> ``{name: None (built in) or compiled regex}``; checks them all first."""
    return {spec: None if spec in BUILT_IN else compile_regex(spec) for spec in specs}


def compute_features(tokens, specs=None, spans=(), seconds=None):
    """The features of a passage: ``{name: [T] float array}``.

    ``specs``: built-in names and regular expressions (default: every built-in), each
    expression's matching limited to ``seconds`` (see :func:`regex_feature`); ``spans``:
    ``(start, end)`` pairs, each a feature named ``span START:END``. Features that are the
    same everywhere in the passage are kept: ranking reports them as absent. A Ctrl-C is
    honoured between features.
    """
    chosen = feature_names_and_patterns(list(BUILT_IN) if specs is None else specs)
    out = {}
    for name, pattern in chosen.items():
        interrupts.check()
        out[name] = BUILT_IN[name](tokens) if pattern is None else regex_feature(tokens, pattern, seconds)
    for start, end in spans:
        out[span_name(start, end)] = span_feature(len(tokens), start, end)
    return out
