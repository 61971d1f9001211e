"""Keras 3 masking: tensors carry `_keras_mask`, `Layer.__call__` passes it to `call(mask=...)`
and sets the output's with `compute_mask`, each built-in layer follows Keras's rule, models
propagate masks (symbolically too), and losses/metrics leave masked entries out. Values are
checked against NumPy references, gradients with float64 central differences; the Keras
oracle comparisons live in tests/parity/test_keras_parity_masking.py."""
import warnings

import numpy as np
import pytest

import numnet
from numnet import layers, losses, metrics, ops
from numnet.autograd import Tensor, get_keras_mask, set_keras_mask
from numnet.utils import gradient_check

IDS = np.array([[3, 4, 5, 0, 0], [1, 2, 0, 0, 0], [6, 7, 8, 9, 1]], dtype="int32")
MASK = IDS != 0


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _mask_of(t):
    m = get_keras_mask(t)
    return None if m is None else np.asarray(m.data)


def _randomize(layer, seed=1):
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(rng.standard_normal(w.shape) * 0.5)


# ----- the mask on tensors -----------------------------------------------------------------------
def test_tensors_carry_no_mask_until_one_is_set():
    t = Tensor(np.ones((2, 3)))
    assert t._keras_mask is None and get_keras_mask(t) is None
    assert (t + 1)._keras_mask is None  # op outputs start without one
    set_keras_mask(t, np.array([[True, False, True], [True, True, True]]))
    assert isinstance(t._keras_mask, Tensor) and t._keras_mask.dtype == bool
    set_keras_mask(t, None)
    assert t._keras_mask is None
    assert get_keras_mask(np.ones(3)) is None
    set_keras_mask(np.ones(3), None)  # nothing to remove: fine
    with pytest.raises(TypeError, match="only numnet Tensors"):
        set_keras_mask(np.ones(3), np.ones(3, bool))
    with pytest.raises(TypeError, match="boolean"):
        set_keras_mask(t, np.array(["a", "b"]))


# ----- Layer.__call__ ------------------------------------------------------------------------------
class TakesMask(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = "unset"

    def call(self, inputs, mask=None):
        self.seen = None if mask is None else np.asarray(getattr(mask, "data", mask))
        return inputs * 2.0


class MakesMask(layers.Layer):
    def call(self, inputs):
        return inputs + 1.0

    def compute_mask(self, inputs, mask=None):
        return Tensor(inputs.data[..., 0] > 0)


def test_call_receives_the_input_mask_unless_one_is_given():
    x = Tensor(np.ones((2, 3, 2), np.float32))
    set_keras_mask(x, np.array([[1, 1, 0], [1, 0, 0]], bool))
    layer = TakesMask()
    with pytest.warns(UserWarning, match="does not support masking"):
        y = layer(x)
    np.testing.assert_array_equal(layer.seen, [[1, 1, 0], [1, 0, 0]])
    assert y._keras_mask is None  # supports_masking is False by default: the mask is not passed on
    explicit = np.array([[0, 1, 1], [1, 1, 1]], bool)
    with pytest.warns(UserWarning, match="does not support masking"):
        layer(x, mask=explicit)
    np.testing.assert_array_equal(layer.seen, explicit)
    layer.supports_masking = True
    np.testing.assert_array_equal(_mask_of(layer(x)), [[1, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(_mask_of(layer(x, mask=explicit)), explicit)  # the passed mask goes on


def test_overriding_compute_mask_turns_masking_on():
    assert not TakesMask().supports_masking and MakesMask().supports_masking
    assert not layers.Layer().supports_masking
    y = MakesMask()(np.array([[[1.0], [-1.0]]], np.float32))
    np.testing.assert_array_equal(_mask_of(y), [[True, False]])


def test_a_layer_that_does_not_support_masking_drops_it_with_a_warning():
    x = layers.Embedding(10, 2, mask_zero=True)(IDS)
    with pytest.warns(UserWarning, match=r"Layer 'flat' \(Flatten\).*does not support masking"):
        y = layers.Flatten(name="flat")(x)
    assert y._keras_mask is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.Flatten()(np.ones((2, 3), np.float32))  # no mask, no warning


def test_casting_the_input_keeps_its_mask():
    x = Tensor(np.ones((2, 3, 2)))  # float64 into a float32 layer
    set_keras_mask(x, MASK[:2, :3])
    y = layers.Dense(2)(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(_mask_of(y), MASK[:2, :3])
    other = Tensor(np.ones((2, 3, 2)))
    set_keras_mask(other, MASK[:2, :3])
    summed = layers.Add()([x, other])  # list inputs are cast one by one
    assert summed.dtype == np.float32
    np.testing.assert_array_equal(_mask_of(summed), MASK[:2, :3])
    model = numnet.Sequential([layers.Input((3, 2)), layers.Dense(2)])  # the model casts at its own input
    with pytest.warns(UserWarning, match="does not support masking"):  # as Keras warns for its models
        out = model(x)
    np.testing.assert_array_equal(_mask_of(out), MASK[:2, :3])  # the inner Dense passed the mask on


def test_two_tensor_arguments_turn_off_the_automatic_mask():
    # Keras fills `mask=` only when `call` gets a single tensor argument: with an initial state
    # the recurrent layer runs unmasked, but its output still carries the input's mask.
    emb = layers.Embedding(10, 3, mask_zero=True)
    lstm = layers.LSTM(2, return_sequences=True)
    x = emb(IDS)
    state = [np.zeros((3, 2), np.float32), np.zeros((3, 2), np.float32)]
    with_state = lstm(x, initial_state=state)
    np.testing.assert_allclose(with_state.data, lstm(x, mask=np.ones_like(MASK)).data, atol=1e-6)
    np.testing.assert_array_equal(_mask_of(with_state), MASK)
    assert not np.allclose(lstm(x).data, with_state.data)


# ----- which layers support masking (Keras 3.15) ---------------------------------------------------
PASS_THROUGH = [layers.Dense(2), layers.Activation("relu"), layers.Dropout(0.5), layers.Identity(),
                layers.ReLU(), layers.LeakyReLU(), layers.ELU(), layers.PReLU(),
                layers.BatchNormalization(), layers.LayerNormalization(), layers.GroupNormalization(1),
                layers.UnitNormalization(), layers.Rescaling(2.0), layers.Normalization(mean=0.0, variance=1.0)]
DROPPING = [layers.Flatten(), layers.Reshape((8,)), layers.Permute((2, 1)), layers.Conv1D(2, 2),
            layers.MaxPooling1D(), layers.AveragePooling1D(), layers.GlobalMaxPooling1D(),
            layers.ZeroPadding1D(), layers.Cropping1D(), layers.UpSampling1D(),
            layers.EinsumDense("abc,cd->abd", (None, 2))]


@pytest.mark.parametrize("layer", PASS_THROUGH, ids=[type(la).__name__ for la in PASS_THROUGH])
def test_layers_that_pass_the_mask_through(layer):
    x = Tensor(_x(2, 4, 2).astype(np.float32))
    set_keras_mask(x, np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool))
    assert layer.supports_masking
    y = layer(x, training=True) if isinstance(layer, (layers.Dropout, layers.BatchNormalization)) else layer(x)
    np.testing.assert_array_equal(_mask_of(y), x._keras_mask.data)


@pytest.mark.parametrize("layer", DROPPING, ids=[type(la).__name__ for la in DROPPING])
def test_layers_that_drop_the_mask(layer):
    x = Tensor(_x(2, 4, 2).astype(np.float32))
    set_keras_mask(x, np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool))
    assert not layer.supports_masking
    with pytest.warns(UserWarning, match="does not support masking"):
        y = layer(x)
    assert y._keras_mask is None


def test_mask_making_and_consuming_layers_flags():
    assert layers.Embedding(5, 2, mask_zero=True).supports_masking
    assert not layers.Embedding(5, 2).supports_masking
    for layer in (layers.Masking(), layers.LSTM(2), layers.GRU(2), layers.SimpleRNN(2),
                  layers.Bidirectional(layers.LSTM(2)), layers.GlobalAveragePooling1D(), layers.Attention(),
                  layers.MultiHeadAttention(2, 2), layers.Add(), layers.Concatenate(), layers.Multiply(), layers.Dot(1),
                  layers.Lambda(lambda x: x, mask=lambda x, m: m)):
        assert layer.supports_masking, type(layer).__name__
    for layer in (layers.LSTMCell(2), layers.GlobalAveragePooling2D(), layers.Lambda(lambda x: x)):
        assert not layer.supports_masking, type(layer).__name__


# ----- Embedding and Masking ----------------------------------------------------------------------
def test_embedding_mask_zero():
    emb = layers.Embedding(10, 3, mask_zero=True)
    y = emb(IDS)
    np.testing.assert_array_equal(_mask_of(y), MASK)
    assert isinstance(emb.compute_mask(IDS), Tensor)
    assert layers.Embedding(10, 3)(IDS)._keras_mask is None


def test_masking_layer_values_mask_config_and_gradient():
    x = _x(2, 4, 3)
    x[0, 1] = 0.0
    x[1, 2:] = 0.0
    layer = layers.Masking(mask_value=0.0, dtype="float64")
    y = layer(x)
    np.testing.assert_array_equal(_mask_of(y), [[1, 0, 1, 1], [1, 1, 0, 0]])
    np.testing.assert_array_equal(y.data, x)
    x2 = np.full((1, 3, 2), 5.0)
    x2[0, 0, 1] = 1.0
    y2 = layers.Masking(mask_value=5.0)(x2)
    np.testing.assert_array_equal(_mask_of(y2), [[True, False, False]])
    np.testing.assert_array_equal(y2.data, [[[5, 1], [0, 0], [0, 0]]])  # masked steps become 0
    assert layers.Masking.from_config(layer.get_config()).mask_value == 0.0
    # the mask is a step function of the values, so the gradient is checked directly: g where kept, 0 elsewhere
    t = Tensor(x2, requires_grad=True)
    g = _x(1, 3, 2, seed=3)
    layers.Masking(mask_value=5.0, dtype="float64")(t).backward(g)
    np.testing.assert_array_equal(t.grad, g * np.array([1, 0, 0])[None, :, None])
    with pytest.raises(ValueError, match="mask_value must be a number"):
        layers.Masking(mask_value="pad")


# ----- recurrent layers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_masked_recurrent_output_equals_the_unpadded_sequences(cls):
    emb = layers.Embedding(10, 3, mask_zero=True, dtype="float64")
    rnn = cls(4, dtype="float64")
    last = rnn(emb(IDS))
    seq = cls(4, return_sequences=True, dtype="float64")
    seq(emb(IDS))
    seq.set_weights(rnn.get_weights())
    full = seq(emb(IDS))
    np.testing.assert_array_equal(_mask_of(full), MASK)
    assert last._keras_mask is None
    for i, n in enumerate(MASK.sum(1)):
        alone = rnn(emb.embeddings.data[IDS[i:i + 1, :n]])
        np.testing.assert_allclose(last.data[i], alone.data[0], atol=1e-12)
        np.testing.assert_allclose(full.data[i, n:], np.repeat(alone.data, 5 - n, 0), atol=1e-12)


def test_bidirectional_masks_and_zero_outputs():
    emb = layers.Embedding(10, 3, mask_zero=True, dtype="float64")
    bi = layers.Bidirectional(layers.GRU(2, return_sequences=True), dtype="float64")
    y = bi(emb(IDS))
    np.testing.assert_array_equal(_mask_of(y), MASK)
    np.testing.assert_array_equal(y.data[~MASK], 0.0)  # both directions output zeros at masked steps
    back = bi.backward_layer(emb.embeddings.data[IDS[1:2, :2]], mask=None)
    np.testing.assert_allclose(y.data[1, :2, 2:], back.data[0, ::-1], atol=1e-12)
    none_mode = layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode=None)(emb(IDS))
    assert [_mask_of(t) is not None for t in none_mode] == [True, True]
    assert layers.Bidirectional(layers.LSTM(2))(emb(IDS))._keras_mask is None


def test_masked_recurrent_model_gradients():
    emb = layers.Embedding(10, 3, mask_zero=True, dtype="float64")
    lstm = layers.LSTM(2, return_sequences=True, dtype="float64")
    gru = layers.GRU(2, dtype="float64")
    model = numnet.Sequential([numnet.Input((5,), dtype="int32"), emb, lstm, gru])
    _randomize(model)
    assert gradient_check(lambda: model(IDS), [], params=model.weights) < 1e-6


# ----- pooling ------------------------------------------------------------------------------------------
def test_global_average_pooling_1d_with_a_mask():
    x = _x(3, 5, 2)
    pool = layers.GlobalAveragePooling1D(dtype="float64")
    y = pool(x, mask=MASK)
    expected = (x * MASK[..., None]).sum(1) / MASK.sum(1, keepdims=True)
    np.testing.assert_allclose(y.data, expected, atol=1e-12)
    assert y._keras_mask is None
    xt = Tensor(x)
    set_keras_mask(xt, MASK)
    np.testing.assert_allclose(pool(xt).data, expected, atol=1e-12)  # the input's own mask
    first = layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True, dtype="float64")
    np.testing.assert_allclose(first(x.transpose(0, 2, 1), mask=MASK).data[..., 0], expected, atol=1e-12)
    assert gradient_check(lambda t: pool(t, mask=MASK), [x]) < 1e-6
    with pytest.raises(ValueError, match=r"GlobalAveragePooling1D.*mask must have shape \(3, 5\)"):
        pool(x, mask=MASK[:, :4])
    with pytest.raises(TypeError, match="boolean"):
        pool(x, mask=np.array([["a"] * 5] * 3))


# ----- merging ----------------------------------------------------------------------------------------
def _masked(x, m):
    t = Tensor(x)
    if m is not None:
        set_keras_mask(t, m)
    return t


M1 = np.array([[1, 1, 0], [1, 0, 0]], bool)
M2 = np.array([[1, 0, 1], [0, 0, 0]], bool)


def test_merge_masks_are_ored_only_when_every_input_has_one():
    a, b = _x(2, 3, 2), _x(2, 3, 2, seed=1)
    for cls in (layers.Add, layers.Subtract, layers.Average):
        np.testing.assert_array_equal(_mask_of(cls()([_masked(a, M1), _masked(b, M2)])), M1 | M2)
        assert cls()([_masked(a, M1), _masked(b, None)])._keras_mask is None
    assert layers.Dot(axes=2)([_masked(a, M1), _masked(b, M2)])._keras_mask is None


def test_multiply_maximum_minimum_leave_masked_entries_out():
    a, b = _x(2, 3, 2), _x(2, 3, 2, seed=1)
    m1, m2 = M1[..., None], M2[..., None]
    prod = layers.Multiply(dtype="float64")([_masked(a, M1), _masked(b, M2)])
    np.testing.assert_allclose(prod.data, np.where(m1 | m2, np.where(m1, a, 1) * np.where(m2, b, 1), 0))
    np.testing.assert_array_equal(_mask_of(prod), M1 | M2)
    big = layers.Maximum(dtype="float64")([_masked(a, M1), _masked(b, M2)])
    b_in = np.where(m2, b, a)
    np.testing.assert_allclose(big.data, np.maximum(np.where(m1, a, b_in), b_in))
    np.testing.assert_array_equal(_mask_of(big), M1 | M2)
    small = layers.Minimum(dtype="float64")([_masked(a, None), _masked(b, M2)])
    np.testing.assert_allclose(small.data, np.minimum(a, np.where(m2, b, a)))
    assert small._keras_mask is None
    assert gradient_check(lambda s, t: layers.Multiply(dtype="float64")([_set(s, M1), _set(t, M2)]), [a, b]) < 1e-6
    assert gradient_check(lambda s, t: layers.Maximum(dtype="float64")([_set(s, M1), _set(t, M2)]), [a, b]) < 1e-6


def _set(t, m):
    set_keras_mask(t, m)
    return t


def test_concatenate_mask_rule():
    a, b = _x(2, 3, 2), _x(2, 3, 4, seed=1)
    out = layers.Concatenate()([_masked(a, M1), _masked(b, None)])
    np.testing.assert_array_equal(_mask_of(out), M1 | np.ones_like(M1))  # an unmasked input counts as True
    out = layers.Concatenate()([_masked(a, M1), _masked(b, M2)])
    np.testing.assert_array_equal(_mask_of(out), M1 | M2)
    c = _x(2, 2, 2, seed=2)
    out = layers.Concatenate(axis=1)([_masked(a, M1), _masked(c, None)])
    np.testing.assert_array_equal(_mask_of(out), np.concatenate([M1, np.ones((2, 2), bool)], axis=1))
    assert layers.Concatenate()([_masked(a, None), _masked(b, None)])._keras_mask is None
    with pytest.raises(ValueError, match="one mask .or None. per input"):
        layers.Concatenate().compute_mask([a, b], [M1])


# ----- attention ------------------------------------------------------------------------------------
def test_attention_uses_the_inputs_masks():
    q, v = _x(2, 3, 4), _x(2, 3, 4, seed=1)
    att = layers.Attention(dtype="float64")
    expected = att([q, v], mask=[M1, M2 | np.array([[0, 0, 0], [1, 0, 0]], bool)])
    got = att([_masked(q, M1), _masked(v, M2 | np.array([[0, 0, 0], [1, 0, 0]], bool))])
    np.testing.assert_allclose(got.data, expected.data, atol=1e-12)
    np.testing.assert_array_equal(_mask_of(got), M1)
    with pytest.raises(ValueError, match=r"mask must be a list \[query_mask, value_mask\]"):
        att([q, v], mask=M1)


def test_multi_head_attention_masks():
    x = _x(2, 3, 4)
    mha = layers.MultiHeadAttention(2, 2, dtype="float64")
    keep = np.array([[1, 1, 0], [1, 1, 1]], bool)
    xt = _masked(x, keep)
    y, scores = mha(xt, xt, return_attention_scores=True)
    _, expected = mha(x, x, attention_mask=keep[:, :, None] & keep[:, None, :], return_attention_scores=True)
    np.testing.assert_allclose(scores.data, expected.data, atol=1e-12)
    np.testing.assert_array_equal(_mask_of(y), keep)
    assert xt._keras_mask is None  # Keras takes the masks off the inputs
    # a query step that may attend to nothing: 0 attention with scores asked for (Keras's explicit
    # path); without them (Keras's fused kernel) it attends to every value step equally
    np.testing.assert_allclose(y.data[0, 2], mha.output_dense.bias.data, atol=1e-12)
    y2 = mha(_masked(x, keep), _masked(x, keep))
    context = mha.value_dense(Tensor(x)).data[0].mean(0)
    np.testing.assert_allclose(y2.data[0, 2], mha.output_dense(Tensor(context[None, None])).data[0, 0], atol=1e-12)
    np.testing.assert_allclose(y2.data[:, :2], y.data[:, :2], atol=1e-12)


def test_functional_model_feeds_the_graph_mask_after_multi_head_attention():
    # MultiHeadAttention takes the mask off its input, so Add sees an unmasked input; Keras
    # still gives GlobalAveragePooling1D the mask computed along the graph.
    inp = numnet.Input((None,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(inp)
    a = layers.MultiHeadAttention(2, 2)(x, x)
    z = layers.Add()([x, a])
    model = numnet.Model(inp, [layers.GlobalAveragePooling1D()(z), z])
    pooled, added = model(IDS)
    assert added._keras_mask is None
    expected = (added.data * MASK[..., None]).sum(1) / MASK.sum(1, keepdims=True)
    np.testing.assert_allclose(pooled.data, expected, atol=1e-6)


# ----- Softmax and BatchNormalization ----------------------------------------------------------------
def test_softmax_with_masks():
    x = _x(2, 4)
    keep = np.array([[1, 1, 0, 1], [0, 0, 0, 0]], bool)
    y = layers.Softmax(dtype="float64")(x, mask=keep)
    e = np.exp(x[0] - x[0].max()) * keep[0]
    np.testing.assert_allclose(y.data[0], e / e.sum(), atol=1e-12)
    np.testing.assert_array_equal(y.data[1], 0)  # a fully masked row gives zeros
    carried = layers.Softmax(dtype="float64")(_masked(x, keep))  # the input's own mask is used and passed on
    np.testing.assert_array_equal(carried.data, y.data)
    np.testing.assert_array_equal(_mask_of(carried), keep)
    with pytest.raises(ValueError, match="mask must broadcast to the inputs"):
        layers.Softmax()(layers.Embedding(10, 3, mask_zero=True)(IDS))  # (batch, T) mask on (batch, T, 3)


def test_batch_normalization_statistics_skip_masked_steps():
    x = _x(3, 5, 2)
    bn = layers.BatchNormalization(momentum=0.0, dtype="float64")
    y = bn(x, mask=MASK, training=True)
    kept = x[MASK]
    mean, var = kept.mean(0), kept.var(0)
    eps = numnet.config.epsilon()
    mean_k = kept.sum(0) / (len(kept) + eps)
    var_k = ((kept - mean_k) ** 2).sum(0) / (len(kept) + eps)
    np.testing.assert_allclose(y.data, (x - mean_k) / np.sqrt(var_k + 1e-3), atol=1e-9)
    np.testing.assert_allclose(bn.moving_mean.data, mean, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.data, var, atol=1e-6)
    assert gradient_check(lambda t: bn(t, mask=MASK, training=True), [x], params=bn.trainable_weights) < 1e-6
    with pytest.raises(ValueError, match="one dimension less than the inputs"):
        bn(x, mask=MASK[..., None], training=True)


# ----- models -----------------------------------------------------------------------------------------
def test_sequential_propagates_masks_and_symbolic_masks():
    model = numnet.Sequential([numnet.Input((None,), dtype="int32"), layers.Embedding(10, 3, mask_zero=True),
                               layers.LSTM(2, return_sequences=True), layers.Dense(1)])
    sym = model.output._keras_mask
    assert sym is not None and sym.shape == (None, None) and sym.dtype == "bool"
    np.testing.assert_array_equal(_mask_of(model(IDS)), MASK)
    assert model.compute_mask(IDS, None) is None  # Keras 3: a model's own compute_mask is the default
    assert not model.supports_masking


@pytest.mark.filterwarnings("ignore:Layer 'sequential.*does not support masking")
@pytest.mark.filterwarnings("ignore:Layer 'functional.*does not support masking")
def test_sequential_and_functional_take_a_mask_argument():
    # (as in Keras, a model warns that it does not itself support masking, yet runs its layers masked)
    x = _x(3, 5, 2).astype(np.float32)
    seq = numnet.Sequential([numnet.Input((5, 2)), layers.SimpleRNN(2, return_sequences=True)])
    expected = seq.layers[0](x, mask=MASK)
    got = seq(x, mask=MASK)
    np.testing.assert_allclose(got.data, expected.data, atol=1e-6)
    np.testing.assert_array_equal(_mask_of(got), MASK)
    inp = numnet.Input((5, 2))
    fun = numnet.Model(inp, seq.layers[0](inp))
    np.testing.assert_allclose(fun(x, mask=MASK).data, expected.data, atol=1e-6)
    with pytest.raises(ValueError, match="leading dimensions"):
        seq(x, mask=MASK[:, :4])
    with pytest.raises(ValueError, match=r"has 1 input\(s\).*2 mask"):
        fun(x, mask=[MASK, MASK])
    with pytest.raises(TypeError, match="boolean"):
        fun(x, mask=np.full((3, 5), "x"))


def test_functional_symbolic_masks_and_nodes():
    inp = numnet.Input((7,), dtype="int32")
    e = layers.Embedding(10, 3, mask_zero=True)(inp)
    assert e._keras_mask.shape == (None, 7)
    h = layers.LSTM(2, return_sequences=True)(e)
    assert h._keras_mask is e._keras_mask  # passed through unchanged: the same symbolic mask
    c = layers.Concatenate(axis=1)([e, layers.Dense(3)(e)])
    assert c._keras_mask.shape == (None, 14)
    p = layers.GlobalAveragePooling1D()(h)
    assert p._keras_mask is None
    assert h.node.output_masks == [e._keras_mask] and h.node.mask_feed is e._keras_mask
    model = numnet.Model(inp, [p, c])
    rebuilt = numnet.Model.from_config(model.get_config())
    assert rebuilt.outputs[1]._keras_mask.shape == (None, 14)


# ----- losses and metrics ---------------------------------------------------------------------------
def _pred(p, m):
    t = Tensor(p, requires_grad=True)
    set_keras_mask(t, m)
    return t


def test_losses_average_over_the_unmasked_entries():
    y = _x(3, 5, 1)
    p = _x(3, 5, 1, seed=1)
    se = ((y - p) ** 2)[..., 0]
    assert np.isclose(float(losses.MeanSquaredError()(y, _pred(p, MASK)).data), se[MASK].mean())
    assert np.isclose(float(losses.MeanSquaredError(reduction="sum")(y, _pred(p, MASK)).data), se[MASK].sum())
    none = losses.MeanSquaredError(reduction=None)(y, _pred(p, MASK)).data
    np.testing.assert_allclose(none, se * MASK)
    sw = np.array([1.0, 2.0, 0.5])
    weighted = float(losses.MeanSquaredError()(y, _pred(p, MASK), sample_weight=sw).data)
    np.testing.assert_allclose(weighted, (se * MASK * sw[:, None]).sum() / MASK.sum())
    assert gradient_check(lambda t: losses.MeanSquaredError()(y, _set(t, MASK)), [p]) < 1e-6
    # the mask of y_pred and the loss's own (ignore_class) are combined
    labels = np.array([[1, 2, 0, 1, 1], [2, 2, 1, 0, 0], [0, 1, 1, 2, 2]])
    logits = _x(3, 5, 3, seed=2)
    ce = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    per = -np.take_along_axis(lp, labels[..., None], -1)[..., 0]
    keep = MASK & (labels != 2)
    np.testing.assert_allclose(float(ce(labels, _pred(logits, MASK)).data), per[keep].mean(), rtol=1e-6)
    with pytest.raises(ValueError, match="carries a mask of shape"):
        losses.MeanSquaredError()(y, _pred(p, MASK[:, :4]))


def test_metrics_leave_masked_entries_out():
    y = np.random.default_rng(0).integers(0, 2, (3, 5, 1)).astype(np.float64)
    p = np.random.default_rng(1).random((3, 5, 1))
    acc = metrics.BinaryAccuracy()
    acc.update_state(y, _pred(p, MASK))
    hits = ((p > 0.5) == y)[..., 0]
    assert np.isclose(acc.result(), hits[MASK].mean())
    sw = np.array([1.0, 0.0, 2.0])
    acc.reset_state()
    acc.update_state(y, _pred(p, MASK), sample_weight=sw)
    w = MASK * sw[:, None]
    assert np.isclose(acc.result(), (hits * w).sum() / w.sum())
    # Mean applies a mask carried by the values only together with sample weights (as Keras)
    values = _pred(_x(3, 5), MASK)
    mean = metrics.Mean()
    mean.update_state(values)
    assert np.isclose(mean.result(), values.data.mean())
    mean.reset_state()
    mean.update_state(values, sample_weight=np.ones((3, 5)))
    assert np.isclose(mean.result(), values.data[MASK].mean())


def test_evaluate_and_fit_use_the_mask_of_the_predictions():
    numnet.utils.set_random_seed(0)
    y = np.random.default_rng(0).integers(0, 2, (3, 5, 1)).astype(np.float32)
    model = numnet.Sequential([numnet.Input((None,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
                               layers.LSTM(3, return_sequences=True), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=numnet.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["accuracy", "mae"])
    p = model.predict(IDS, verbose=0).astype(np.float64)
    q = np.clip(p, 1e-7, 1 - 1e-7)
    bce = -(y * np.log(q) + (1 - y) * np.log(1 - q))[..., 0]
    logs = model.evaluate(IDS, y, verbose=0, return_dict=True)
    assert np.isclose(logs["loss"], bce[MASK].mean(), rtol=1e-5)
    assert np.isclose(logs["accuracy"], (((p > 0.5) == y)[..., 0])[MASK].mean())
    assert np.isclose(logs["mae"], np.abs(p - y)[..., 0][MASK].mean(), rtol=1e-5)
    history = model.fit(IDS, y, batch_size=3, epochs=1, verbose=0, shuffle=False).history
    assert np.isclose(history["loss"][0], logs["loss"], rtol=1e-5)
    assert np.isclose(history["accuracy"][0], logs["accuracy"])


# ----- learning -----------------------------------------------------------------------------------------
def _padded_task(n, seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 9, n)
    ids = np.zeros((n, 8), np.int32)
    for i, k in enumerate(lengths):
        ids[i, :k] = rng.integers(1, 10, k)
    y = (ids % 2).astype(np.float32)[..., None]
    y[ids == 0] = rng.integers(0, 2, (ids == 0).sum())[:, None]  # noise on the padding
    return ids, y


def test_learning_per_step_labels_on_padded_sequences_needs_the_mask():
    ids, y = _padded_task(256, 0)

    def run(mask_zero):
        numnet.utils.set_random_seed(1)
        model = numnet.Sequential([numnet.Input((8,), dtype="int32"), layers.Embedding(10, 8, mask_zero=mask_zero),
                                   layers.GRU(8, return_sequences=True), layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=numnet.optimizers.Adam(0.03), loss="binary_crossentropy", metrics=["accuracy"])
        return model.fit(ids, y, epochs=25, batch_size=64, verbose=0).history

    masked, unmasked = run(True), run(False)
    assert masked["loss"][-1] < 0.02 * masked["loss"][0] and masked["accuracy"][-1] > 0.98
    # without the mask the random labels of the padding (about 30% of the steps) are part of the
    # loss and the accuracy: neither can get near their masked values
    assert unmasked["loss"][-1] > 0.1 > 10 * masked["loss"][-1] and unmasked["accuracy"][-1] < 0.92


def test_learning_a_padded_sequence_average_with_global_average_pooling():
    rng = np.random.default_rng(2)
    ids = np.zeros((256, 10), np.int32)
    for i, k in enumerate(rng.integers(2, 11, 256)):
        ids[i, :k] = rng.integers(1, 5, k)
    y = np.array([row[row > 0].mean() > 2.5 for row in ids], np.float32)
    numnet.utils.set_random_seed(3)
    model = numnet.Sequential([numnet.Input((10,), dtype="int32"), layers.Embedding(5, 4, mask_zero=True),
                               layers.Dense(4, activation="tanh"), layers.GlobalAveragePooling1D(),
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=numnet.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ids, y, epochs=30, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0] and history["accuracy"][-1] > 0.95


# ----- Lambda ------------------------------------------------------------------------------------------
def test_lambda_masks():
    x = layers.Embedding(10, 2, mask_zero=True)(IDS)
    y = layers.Lambda(lambda t, mask: t * ops.cast(ops.expand_dims(mask, -1), t.dtype),
                      mask=lambda t, m: m)(x)
    np.testing.assert_array_equal(_mask_of(y), MASK)
    np.testing.assert_array_equal(y.data[~MASK], 0)
    fixed = layers.Lambda(lambda t: t * 1.0, mask=np.ones((3, 5), bool))
    assert np.all(_mask_of(fixed(x)))
    assert layers.Lambda(fixed.function, mask=fixed.get_config()["mask"]).mask.shape == (3, 5)
    with pytest.raises(ValueError, match="mask function .* is not registered"):
        layers.Lambda(lambda t: t, mask=lambda t, m: m).get_config()
    with pytest.raises(ValueError, match="mask must be None, a callable"):
        layers.Lambda(lambda t: t, mask="yes")


# ----- bad masks ------------------------------------------------------------------------------------------
def test_bad_masks_get_clear_errors():
    x = _x(3, 5, 2).astype(np.float32)
    with pytest.raises(ValueError, match=r"Layer 'rnn_a' \(LSTM\): mask must have shape \(3, 5\), got a mask of "
                                         r"shape \(3, 4\)"):
        layers.LSTM(2, name="rnn_a")(x, mask=MASK[:, :4])
    with pytest.raises(TypeError, match=r"Layer 'rnn_b' \(GRU\): mask must be a boolean"):
        layers.GRU(2, name="rnn_b")(x, mask=np.full((3, 5), "yes"))
    with pytest.raises(ValueError, match=r"Layer 'mul' \(Multiply\): input 1 of shape \(3, 5, 2\) carries a mask of "
                                         r"shape \(3, 4\)"):
        layers.Multiply(name="mul")([_masked(x, MASK), _masked(x, MASK[:, :4])])
    with pytest.raises(ValueError, match=r"Layer 'add_a' \(Add\): the mask must be a list"):
        layers.Add(name="add_a").compute_mask([x, x], MASK)
    with pytest.raises(ValueError, match=r"MultiHeadAttention\): value_mask must have shape \(3, 5\)"):
        layers.MultiHeadAttention(1, 2)(x, x, value_mask=MASK[:, :4])
    with pytest.raises(TypeError, match=r"Layer 'emb' \(Embedding\): compute_mask needs real inputs"):
        layers.Embedding(10, 2, mask_zero=True, name="emb").compute_mask(numnet.Input((None,), dtype="int32"))


def test_masked_model_saves_and_loads(tmp_path):
    numnet.utils.set_random_seed(0)
    model = numnet.Sequential([numnet.Input((5,), dtype="int32"), layers.Embedding(10, 3, mask_zero=True),
                               layers.LSTM(2, return_sequences=True), layers.GlobalAveragePooling1D(),
                               layers.Dense(1)])
    model.save(tmp_path / "masked.h5")
    loaded = numnet.models.load_model(tmp_path / "masked.h5")
    assert loaded.layers[0].mask_zero
    np.testing.assert_array_equal(loaded.predict(IDS, verbose=0), model.predict(IDS, verbose=0))
    masking = numnet.Sequential([numnet.Input((4, 2)), layers.Masking(mask_value=-1.0), layers.GRU(2)])
    masking.save(tmp_path / "masking.h5")
    again = numnet.models.load_model(tmp_path / "masking.h5")
    x = _x(2, 4, 2).astype(np.float32)
    x[0, 2:] = -1.0
    np.testing.assert_array_equal(again.predict(x, verbose=0), masking.predict(x, verbose=0))
    assert again.layers[0].mask_value == -1.0


def test_symbolic_mask_stand_ins_count_against_a_loading_budget():
    """A hostile config declaring a huge input must not allocate it to work out a mask's shape."""
    from numnet.utils.serialization import allocation_budget

    with allocation_budget(1 << 20, "loading 'hostile.keras'"):
        inp = layers.Input(shape=(40000, 40000))
        with pytest.raises(ValueError, match="stand-in.*exceeds"):
            layers.Masking()(inp)


def test_masking_layer_gradient():
    """Central differences agree wherever the mask does not flip under the step (a step exactly at
    mask_value is a discontinuity); a masked step gets no gradient."""
    rng = np.random.default_rng(3)
    layer = layers.Masking(mask_value=5.0, dtype="float64")
    x = Tensor(rng.normal(size=(2, 3, 4)), requires_grad=True)
    x.data[0, 1] = 5.0
    x.data[0, 1, 0] = 4.0  # one feature differs: the step is kept
    assert gradient_check(lambda t: layer(t), [x]) < 1e-6
    x.data[1, 2] = 5.0  # a masked step
    y = layer(x)
    y.backward(np.ones(y.shape))
    assert np.all(x.grad[1, 2] == 0) and np.all(x.grad[0] == 1)
