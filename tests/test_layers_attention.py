"""MultiHeadAttention, Attention and EinsumDense: values against NumPy references of Keras's
equations, float64 gradient checks, masks, shapes, configs, errors and real learning."""
import numpy as np
import pytest

import numnet
from numnet import layers
from numnet.utils import gradient_check


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _softmax(z):
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def ref_mha(q, v, k, w, key_dim, mask=None):
    wq, bq, wk, bk, wv, bv, wo, bo = w
    qp = np.einsum("btd,dhk->bthk", q, wq) + bq
    kp = np.einsum("bsd,dhk->bshk", k, wk) + bk
    vp = np.einsum("bsd,dhk->bshk", v, wv) + bv
    scores = np.einsum("bthk,bshk->bhts", qp / np.sqrt(key_dim), kp)
    if mask is not None:
        scores = np.where(mask[:, None], scores, -1e9)
    probs = _softmax(scores)
    if mask is not None:
        probs = np.where(mask[:, None], probs, 0.0)
    ctx = np.einsum("bhts,bshk->bthk", probs, vp)
    return np.einsum("bthk,hkd->btd", ctx, wo) + bo, probs


def _randomize(layer, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.standard_normal(w.shape) * 0.5 for w in layer.weights])


# ----- MultiHeadAttention ------------------------------------------------------------------------
def test_mha_weights_follow_keras():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    mha(np.zeros((1, 5, 6), np.float32), np.zeros((1, 7, 8), np.float32))
    assert [(w.path, w.shape) for w in mha.weights] == [
        ("query/kernel", (6, 2, 3)), ("query/bias", (2, 3)), ("key/kernel", (8, 2, 3)), ("key/bias", (2, 3)),
        ("value/kernel", (8, 2, 4)), ("value/bias", (2, 4)), ("attention_output/kernel", (2, 4, 6)),
        ("attention_output/bias", (6,))]
    no_bias = layers.MultiHeadAttention(2, 3, use_bias=False, output_shape=5)
    y = no_bias(np.zeros((1, 4, 6), np.float32), np.zeros((1, 4, 6), np.float32))
    assert [w.shape for w in no_bias.weights] == [(6, 2, 3), (6, 2, 3), (6, 2, 3), (2, 3, 5)]
    assert y.shape == (1, 4, 5)


@pytest.mark.parametrize("causal", [False, True])
def test_mha_matches_numpy_reference(causal):
    q, v, k = _x(2, 4, 6), _x(2, 5, 3, seed=1), _x(2, 5, 4, seed=2)
    mha = layers.MultiHeadAttention(3, 2, value_dim=4, dtype="float64")
    mha(q, v, k)
    _randomize(mha)
    attn = np.random.default_rng(3).random((2, 4, 5)) > 0.3
    attn[:, :, 0] = True
    y, probs = mha(q, v, k, attention_mask=attn, use_causal_mask=causal, return_attention_scores=True)
    mask = attn & (np.tril(np.ones((4, 5), bool)) if causal else True)
    ref_y, ref_p = ref_mha(q, v, k, [w.data for w in mha.weights], 2, mask)
    np.testing.assert_allclose(y.data, ref_y, atol=1e-12)
    np.testing.assert_allclose(probs.data, ref_p, atol=1e-12)
    assert probs.shape == (2, 3, 4, 5)


def test_mha_query_and_value_masks_and_causal():
    x = _x(2, 4, 6)
    mha = layers.MultiHeadAttention(2, 3, dtype="float64")
    value_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    _, probs = mha(x, x, value_mask=value_mask, use_causal_mask=True, return_attention_scores=True)
    p = probs.data
    assert np.all(p[0, :, :, 3] == 0)
    assert np.all(np.triu(p[1, 0], 1) == 0)
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-12)


def test_mha_gradients():
    q, v = _x(2, 3, 4), _x(2, 4, 5, seed=1)
    mha = layers.MultiHeadAttention(2, 2, value_dim=3, dtype="float64")
    mha(q, v)
    _randomize(mha)
    mask = np.array([[[1, 1, 0, 1]] * 3, [[1, 0, 1, 1]] * 3], bool)
    # the key bias shifts every score of a query equally, so softmax gives it a zero gradient:
    # relative errors of a zero gradient are noise, so it is checked on its own
    key_bias = mha.key_dense.bias
    params = [w for w in mha.weights if w is not key_bias]
    err = gradient_check(lambda a, b: mha(a, b, attention_mask=mask, use_causal_mask=True), [q, v], params=params)
    assert err < 1e-6
    key_bias.grad = None
    key_bias.requires_grad = True
    mha(numnet.Tensor(q), numnet.Tensor(v)).sum().backward()
    assert np.abs(key_bias.grad).max() < 1e-12


def test_mha_dropout_only_in_training():
    x = _x(2, 4, 6).astype(np.float32)
    mha = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=0)
    a = mha(x, x).data
    np.testing.assert_array_equal(a, mha(x, x, training=False).data)
    assert not np.allclose(a, mha(x, x, training=True).data)


def test_mha_in_a_functional_model_and_config():
    q_in, v_in = numnet.Input((4, 6)), numnet.Input((5, 3))
    mha = layers.MultiHeadAttention(2, 3, name="mha")
    out, scores = mha(q_in, v_in, return_attention_scores=True)
    assert out.shape == (None, 4, 6) and scores.shape == (None, 2, 4, 5)
    model = numnet.Model([q_in, v_in], [out, scores])
    assert model.count_params() == 6 * 6 + 6 + 3 * 6 + 6 + 3 * 6 + 6 + 6 * 6 + 6
    q, v = _x(2, 4, 6).astype(np.float32), _x(2, 5, 3).astype(np.float32)
    y, s = model.predict([q, v], verbose=0)
    assert y.shape == (2, 4, 6) and s.shape == (2, 2, 4, 5)
    clone = layers.deserialize(layers.serialize(mha))
    assert clone.get_config() == mha.get_config()
    clone(q, v)
    clone.set_weights(mha.get_weights())
    np.testing.assert_array_equal(clone(q, v).data, mha(q, v).data)


def test_mha_errors():
    with pytest.raises(ValueError, match=r"attention_axes=\(2,\) is not supported"):
        layers.MultiHeadAttention(2, 3, attention_axes=(2,))
    assert layers.MultiHeadAttention(2, 3, attention_axes=(1,)).attention_axes == (1,)
    with pytest.raises(ValueError, match=r"num_heads must be a positive int"):
        layers.MultiHeadAttention(0, 3)
    mha = layers.MultiHeadAttention(2, 3, name="att")
    with pytest.raises(ValueError, match=r"Layer 'att' \(MultiHeadAttention\).*query shape \(2, 6\)"):
        mha(np.zeros((2, 6), np.float32), np.zeros((2, 6), np.float32))
    assert not mha.weights
    with pytest.raises(ValueError, match=r"attention_mask must broadcast"):
        mha(np.zeros((2, 4, 6), np.float32), np.zeros((2, 5, 6), np.float32), attention_mask=np.ones((2, 4, 4)))


def test_transformer_block_learns():
    numnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 6, 4)).astype(np.float32)
    y = x[:, :, :1].max(axis=1)  # needs information from every position
    inp = numnet.Input((6, 4))
    h = layers.MultiHeadAttention(2, 4)(inp, inp)
    h = layers.Add()([inp, h])
    h = layers.LayerNormalization()(h)
    out = layers.Dense(1)(layers.GlobalAveragePooling1D()(layers.Dense(16, activation="relu")(h)))
    model = numnet.Model(inp, out)
    model.compile(optimizer=numnet.optimizers.Adam(0.01), loss="mse")
    losses = model.fit(x, y, epochs=20, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.4 * losses[0]


# ----- Attention (Luong) ---------------------------------------------------------------------------
@pytest.mark.parametrize("use_scale,mode", [(False, "dot"), (True, "dot"), (False, "concat"), (True, "concat")])
def test_attention_matches_reference_and_gradients(use_scale, mode):
    q, v, k = _x(2, 3, 4), _x(2, 5, 4, seed=1), _x(2, 5, 4, seed=2)
    att = layers.Attention(use_scale=use_scale, score_mode=mode, dtype="float64")
    att([q, v, k])
    for w in att.weights:
        w.assign(np.asarray(1.7))
    y, w = att([q, v, k], mask=[None, np.array([[1, 1, 1, 0, 1], [1, 1, 1, 1, 1]], bool)],
               return_attention_scores=True)
    scale = 1.7 if use_scale else 1.0
    if mode == "dot":
        s = np.einsum("btd,bsd->bts", q, k) * scale
    else:
        s = 1.7 * np.tanh(scale * (q[:, :, None] + k[:, None])).sum(-1)
    s[0, :, 3] -= 1e9
    np.testing.assert_allclose(w.data, _softmax(s), atol=1e-12)
    np.testing.assert_allclose(y.data, _softmax(s) @ v, atol=1e-12)
    assert gradient_check(lambda a, b, c: att([a, b, c], use_causal_mask=True), [q, v, k], params=att.weights) < 1e-6


def test_attention_query_mask_shapes_and_errors():
    q, v = _x(2, 3, 4).astype(np.float32), _x(2, 5, 4).astype(np.float32)
    att = layers.Attention()
    y = att([q, v], mask=[np.array([[1, 0, 1], [1, 1, 1]], bool), None])
    assert np.all(y.data[0, 1] == 0) and att.compute_output_shape([q.shape, v.shape]) == y.shape
    assert layers.Attention.from_config(att.get_config()).get_config() == att.get_config()
    with pytest.raises(ValueError, match=r"expects a list \[query, value\]"):
        att(q)
    with pytest.raises(ValueError, match=r"score_mode must be 'dot' or 'concat'"):
        layers.Attention(score_mode="add")


# ----- EinsumDense -----------------------------------------------------------------------------------
@pytest.mark.parametrize("equation,out_shape,bias_axes,in_shape,kernel,bias,expected", [
    ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,), (2, 4)),
    ("abc,cd->abd", (None, 5), "d", (2, 3, 4), (4, 5), (5,), (2, 3, 5)),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 4, 6), (6, 2, 3), (2, 3), (2, 4, 2, 3)),
    ("...b,bc->...c", 3, "c", (2, 4, 5), (5, 3), (3,), (2, 4, 3)),
    ("abc,cde->abde", (None, 2, 3), "d", (2, 4, 6), (6, 2, 3), (2, 1), (2, 4, 2, 3)),
])
def test_einsum_dense_shapes_and_gradients(equation, out_shape, bias_axes, in_shape, kernel, bias, expected):
    layer = layers.EinsumDense(equation, out_shape, bias_axes=bias_axes, dtype="float64")
    x = _x(*in_shape)
    y = layer(x)
    assert layer.kernel.shape == kernel and layer.bias.shape == bias and y.shape == expected
    assert layer.compute_output_shape(in_shape) == expected
    _randomize(layer)
    assert gradient_check(lambda t: layer(t), [x], params=layer.weights) < 1e-6
    clone = layers.EinsumDense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_einsum_dense_errors():
    with pytest.raises(ValueError, match=r"equation must look like"):
        layers.EinsumDense("abc", 3)
    with pytest.raises(ValueError, match=r"bias_axes must be letters of the output"):
        layers.EinsumDense("ab,bc->ac", 3, bias_axes="z")
    layer = layers.EinsumDense("ab,bc->ac", 3, name="ed")
    with pytest.raises(ValueError, match=r"Layer 'ed' \(EinsumDense\).*rank 2.*\(2, 3, 4\)"):
        layer(np.zeros((2, 3, 4), np.float32))
