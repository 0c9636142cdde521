"""Captions -> token ids, in plain Python, so text-to-image trains on every backend.

The same mapping as Keras's ``TextVectorization`` with its defaults
(``standardize="lower_and_strip_punctuation"``, ``split="whitespace"``): ASCII
lower-casing, the same punctuation stripped, ASCII whitespace splitting, id 0
for padding, id 1 for words outside the vocabulary, the vocabulary from id 2 on,
truncated or padded to ``sequence_length``. `Tokenizer.tf_layer` builds that
``TextVectorization`` with the same vocabulary for TensorFlow graphs (the
`tf.data` path and the exported SavedModel, which takes raw strings); a test
checks that both give the same ids.
"""

from __future__ import annotations

import collections
import re

import numpy as np

PAD, OOV = 0, 1
# TextVectorization's DEFAULT_STRIP_REGEX (keras/src/layers/preprocessing/text_vectorization.py)
_STRIP = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_SPLIT = re.compile(r"[ \t\n\v\f\r]+")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def words(text):
    """The tokens of one caption: ASCII lower case, punctuation stripped, split on spaces."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return [w for w in _SPLIT.split(_STRIP.sub("", str(text).translate(_LOWER))) if w]


class Tokenizer:
    """Caption strings -> int32 ids ``[N, sequence_length]``.

    Args:
        vocabulary: the known words, most frequent first (ids 2, 3, ...).
        sequence_length: ids per caption (longer captions are truncated).
        max_tokens: size of the id space, padding and out-of-vocabulary included.
    """

    def __init__(self, vocabulary=(), sequence_length=24, max_tokens=1000):
        self.vocabulary = [str(w) for w in vocabulary]
        self.sequence_length = int(sequence_length)
        self.max_tokens = int(max_tokens)
        if len(self.vocabulary) > self.max_tokens - 2:
            raise ValueError(
                f"A vocabulary of {len(self.vocabulary)} words does not fit max_tokens="
                f"{self.max_tokens} (2 ids are padding and out-of-vocabulary)."
            )
        self._index = {w: i + 2 for i, w in enumerate(self.vocabulary)}
        self._tf_layer = None

    @classmethod
    def adapt(cls, texts, sequence_length=24, max_tokens=1000):
        """A tokenizer whose vocabulary is the ``max_tokens - 2`` most frequent words."""
        counts = collections.Counter(w for t in texts for w in words(t))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return cls([w for w, _ in ranked[: int(max_tokens) - 2]], sequence_length, max_tokens)

    def __len__(self):
        """Ids in use: padding, out-of-vocabulary and the words."""
        return len(self.vocabulary) + 2

    def __call__(self, texts):
        texts = np.asarray(texts, dtype=object).reshape(-1)
        out = np.zeros((len(texts), self.sequence_length), np.int32)
        for i, t in enumerate(texts):
            ids = [self._index.get(w, OOV) for w in words(t)][: self.sequence_length]
            out[i, : len(ids)] = ids
        return out

    def tf_layer(self):
        """The equivalent ``keras.layers.TextVectorization`` (TensorFlow backend only)."""
        if self._tf_layer is None:
            import keras

            self._tf_layer = keras.layers.TextVectorization(
                max_tokens=self.max_tokens,
                output_sequence_length=self.sequence_length,
                vocabulary=self.vocabulary or None,
                name="vectorize",
            )
            self._tf_layer.build((None,))  # an export tracks built layers only
        return self._tf_layer


def add_unknown_tokens(ids, rng, rate=0.3, before=4, after=3):
    """Insert out-of-vocabulary ids before and after each caption's words.

    Used while pre-training the text encoder: it learns that words it has never
    seen carry no meaning, so a caption phrased in an unseen way ("a picture of
    the number seven that is thick") still encodes like "seven thick". Each of
    ``before`` + ``after`` slots holds an unknown word with probability ``rate``.

    Args:
        ids: int array ``[N, L]`` from a `Tokenizer`.
        rng: a ``numpy.random.Generator``.

    Returns:
        int32 array ``[N, L]``, truncated to ``L`` like the tokenizer does.
    """
    ids = np.asarray(ids)
    n, length = ids.shape
    pre = (rng.random((n, before)) < rate).sum(1)
    post = (rng.random((n, after)) < rate).sum(1)
    out = np.zeros_like(ids, dtype=np.int32)
    for i in range(n):
        words_i = ids[i][ids[i] != PAD]
        row = np.concatenate([np.full(pre[i], OOV), words_i, np.full(post[i], OOV)])[:length]
        out[i, : len(row)] = row
    return out
