"""SNN training on the CPU (numpy): LIF/adaptive-LIF layers (dense, recurrent,
convolutional) trained by surrogate-gradient BPTT (STBP) with learnable axonal delays,
temporal-channel attention (STCA) and a segment-wise working memory (SNNWM);
trace-based STDP on latency codes; the three-factor HSIC-bottleneck Hebbian rule with
a working memory; and Boltzmann learning whose negative phase runs on the
`bm_sampler` (any backend).
See docs/train.md."""
from .boltzmann_learning import BoltzmannModel, ContrastiveDivergence, replicated
from .attention import TemporalChannelAttention
from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .delays import AxonalDelay
from .ib_hebbian import ExactMemory, IBHebbianNetwork, ReservoirMemory
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
from .working_memory import DelayTaps, LastSegmentLoss, WorkingMemory, last_segment_accuracy

__all__ = ["AdaptiveLIF", "Adam", "Arctan", "AvgPool2d", "AxonalDelay", "BoltzmannModel", "ContrastiveDivergence",
           "Conv2d", "DelayTaps", "Dense", "ExactMemory", "Flatten", "History", "IBHebbianNetwork", "LIF",
           "LastSegmentLoss", "LatencySTDP", "MaxPool2d", "Network", "RateCrossEntropy", "Recurrent", "Rectangular",
           "ReservoirMemory", "SGD", "Sigmoid", "TemporalChannelAttention", "Triangle", "WorkingMemory", "accuracy",
           "fit", "last_segment_accuracy", "load_network", "make_surrogate", "network_layers", "predict",
           "replicated", "save_network", "train_epoch"]
