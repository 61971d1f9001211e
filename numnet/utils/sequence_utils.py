"""`pad_sequences`: lists of sequences of different lengths to one padded array (keras.utils.pad_sequences)."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np


def pad_sequences(sequences: Sequence[Any], maxlen: Optional[int] = None, dtype: Any = "int32", padding: str = "pre",
                  truncating: str = "pre", value: Any = 0.0) -> np.ndarray:
    """Pad (or truncate) each sequence to the same length.

    Sequences longer than `maxlen` are cut, shorter ones are filled with `value`, at the start
    (``"pre"``) or at the end (``"post"``).

    Args:
        sequences: a list of sequences (lists or arrays; their entries may be arrays of one shape).
        maxlen: the output length; defaults to the length of the longest sequence.
        dtype: the output dtype (``"int32"``; use ``object`` or a string dtype for text).
        padding: ``"pre"`` or ``"post"``: where to add `value`.
        truncating: ``"pre"`` or ``"post"``: where to remove entries of long sequences.
        value: the fill value.

    Returns:
        An array of shape ``(len(sequences), maxlen) + entry_shape``.

    Raises:
        ValueError: `sequences` is not a list of sequences, `padding`/`truncating` is neither
            ``"pre"`` nor ``"post"``, entries differ in shape, or `value` is a string and
            `dtype` cannot hold strings.
    """
    if padding not in ("pre", "post"):
        raise ValueError(f"pad_sequences: padding must be 'pre' or 'post', got padding={padding!r}")
    if truncating not in ("pre", "post"):
        raise ValueError(f"pad_sequences: truncating must be 'pre' or 'post', got truncating={truncating!r}")
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: sequences must be a list of sequences, got {type(sequences).__name__}")
    lengths = []
    sample_shape = ()
    found_shape = False
    for i, s in enumerate(sequences):
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError(f"pad_sequences: sequences must be a list of sequences, but entry {i} is {s!r}") from None
        if not found_shape and len(s) > 0:
            sample_shape = np.asarray(s).shape[1:]
            found_shape = True
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be None or a non-negative int, got maxlen={maxlen!r}")
    maxlen = int(maxlen)
    np_dtype = np.dtype(dtype)
    if isinstance(value, str) and np_dtype != object and np_dtype.kind not in "SU":
        raise ValueError(f"pad_sequences: dtype {dtype!r} cannot hold the string value={value!r}; "
                         "use dtype=object for variable-length strings")
    out = np.full((len(lengths), maxlen) + tuple(sample_shape), value, dtype=np_dtype)
    for i, s in enumerate(sequences):
        if not len(s) or maxlen == 0:
            continue
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=np_dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: entries of sequence {i} have shape {kept.shape[1:]}, expected "
                             f"{tuple(sample_shape)} as in the first non-empty sequence")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, maxlen - len(kept):] = kept
    return out
