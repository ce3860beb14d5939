"""Look-up tables of docs/spec.md, generated here and nowhere else.

The C++ and SystemVerilog headers are written from these arrays by
`neuropynq.codegen`; nothing is typed by hand.
"""
from __future__ import annotations

import numpy as np

EXP2_LUT_SIZE = 1024     # 2^(-i/1024), i = 0..1023, UQ1.23
SIGMOID_LUT_SIZE = 1024  # sigma over [-8, 8) in 1/64 steps, UQ0.24
SIGMOID_STEPS_PER_UNIT = 64
TAU_MAX = 255
LOG2M_LUT_SIZE = 256     # log2 of a mantissa 1 + (m + 0.5)/256, m = 0..255, UQ0.16


def _exp2_lut() -> np.ndarray:
    i = np.arange(EXP2_LUT_SIZE, dtype=np.float64)
    return np.rint((1 << 23) * np.exp2(-i / EXP2_LUT_SIZE)).astype(np.int64)


def _sigmoid_lut() -> np.ndarray:
    i = np.arange(SIGMOID_LUT_SIZE, dtype=np.float64)
    x = (i - SIGMOID_LUT_SIZE // 2 + 0.5) / SIGMOID_STEPS_PER_UNIT
    return np.rint((1 << 24) / (1.0 + np.exp(-x))).astype(np.int64)


def _lntau_lut() -> np.ndarray:
    tau = np.arange(TAU_MAX + 1, dtype=np.float64)
    out = np.zeros(TAU_MAX + 1, dtype=np.int64)
    out[1:] = np.rint(1024 * np.log(tau[1:]))
    return out


def _log2m_lut() -> np.ndarray:
    m = np.arange(LOG2M_LUT_SIZE, dtype=np.float64)
    return np.rint((1 << 16) * np.log2(1.0 + (m + 0.5) / LOG2M_LUT_SIZE)).astype(np.int64)


EXP2_LUT = _exp2_lut()
SIGMOID_LUT = _sigmoid_lut()
LNTAU_LUT = _lntau_lut()
LOG2M_LUT = _log2m_lut()
for _lut in (EXP2_LUT, SIGMOID_LUT, LNTAU_LUT, LOG2M_LUT):
    _lut.setflags(write=False)
