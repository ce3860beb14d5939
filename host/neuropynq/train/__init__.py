"""SNN training on the CPU (numpy): LIF/adaptive-LIF layers trained by surrogate-gradient
BPTT (STBP) with learnable axonal delays, trace-based STDP on latency codes, and
Boltzmann learning whose negative phase runs on the `bm_sampler` (any backend).
See docs/train.md."""
from .boltzmann_learning import BoltzmannModel, ContrastiveDivergence, replicated
from .attention import TemporalChannelAttention
from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .delays import AxonalDelay
from .layers import Dense, Recurrent
from .losses import RateCrossEntropy, predict
from .network import Network
from .neurons import LIF, AdaptiveLIF
from .optim import SGD, Adam
from .serialise import load_network, network_layers, save_network
from .stdp import LatencySTDP
from .surrogates import Arctan, Rectangular, Sigmoid, Triangle, make_surrogate
from .history import History
from .training import accuracy, fit, train_epoch

__all__ = ["AdaptiveLIF", "Adam", "Arctan", "AvgPool2d", "AxonalDelay", "BoltzmannModel", "ContrastiveDivergence",
           "Conv2d", "Dense", "Flatten", "History", "LIF", "LatencySTDP", "MaxPool2d", "Network", "RateCrossEntropy", "Recurrent", "Rectangular", "SGD",
           "Sigmoid", "TemporalChannelAttention", "Triangle", "accuracy", "fit", "load_network", "make_surrogate", "network_layers", "predict",
           "replicated", "save_network", "train_epoch"]
