"""detectron2's training loader, made resumable: ``build_resumable_train_loader`` takes the arguments of
``detectron2.data.build_detection_train_loader`` and yields the same kind of batches, with two differences
that let a resumed run see exactly the batches an uninterrupted run would have seen:

- every sample is augmented with random streams (python, numpy, torch) seeded from the sampler's seed and the
  sample's position in the global sample stream, so a sample's augmentation does not depend on which worker
  maps it, on ``num_workers``, or on what ran before;
- ``state_dict()`` holds the sampler seed, the position of the next sample and the samples waiting in the
  aspect-ratio buckets; ``load_state_dict()`` (before iterating) continues from there.

The sampler is detectron2's ``TrainingSampler`` (or a given sampler of the same kind: an infinite global
index stream ``_infinite_indices()`` seeded by ``_seed``, such as ``RepeatFactorTrainingSampler``). Process r
of W takes the stream's positions r, r + W, r + 2W, ... as ``TrainingSampler`` does, so the global batch of W
processes holds the samples one process with the same total batch would see (one aspect-ratio group).
The sampler stream is cheap to fast-forward; no sample is loaded to skip it.
"""
import itertools
import logging
import random

import numpy as np
import torch
import torch.utils.data as torchdata
from detectron2.data.common import DatasetFromList
from detectron2.data.samplers import TrainingSampler
from detectron2.utils import comm

from ..engine.stream_state import ProcessCountError

logger = logging.getLogger(__name__)


def sample_seed(seed, position):
    """The seed of the random streams that augment the sample at ``position`` of a stream seeded ``seed``."""
    return int(np.random.SeedSequence([int(seed), int(position)]).generate_state(1)[0])


def _identity(x):
    return x


class _PositionedSamples:
    """Iterable of ``(position, index)``: this process's share of the sampler's global stream from ``start``."""

    def __init__(self, sampler, start, rank, world_size):
        self.sampler, self.start, self.rank, self.world_size = sampler, start, rank, world_size

    def __iter__(self):
        stream = itertools.islice(self.sampler._infinite_indices(), self.start, None, self.world_size)
        return zip(itertools.count(self.start, self.world_size), stream)


class _SeededMapping(torchdata.Dataset):
    """``dataset[(position, index)]`` → ``(position, index, mapper(dicts[index]))`` under the position's seed.
    The caller's random states are left as they were (with ``num_workers=0`` this runs in the trainer)."""

    def __init__(self, dataset, mapper, seed):
        self.dataset, self.mapper, self.seed = dataset, mapper, seed

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, key):
        position, index = key
        seed = sample_seed(self.seed, position)
        python_state, numpy_state = random.getstate(), np.random.get_state()
        try:
            with torch.random.fork_rng(devices=[]):
                random.seed(seed)
                np.random.seed(seed)
                torch.manual_seed(seed)
                # As detectron2's MapDataset: a mapper may reject a sample (None); draw another, reproducibly.
                retry = random.Random(seed)
                for attempt in range(100):
                    mapped = self.mapper(self.dataset[index]) if self.mapper is not None else self.dataset[index]
                    if mapped is not None:
                        return position, index, mapped
                    if attempt == 3:
                        logger.warning(f"The mapper rejected sample {index} and 3 replacements")
                    index = retry.randrange(len(self.dataset))
                raise RuntimeError(f"The mapper rejected 100 samples in a row (sample stream position {position})")
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


class ResumableTrainLoader:
    """Iterable of per-process batches (lists of mapped dicts) with ``state_dict`` / ``load_state_dict``."""

    def __init__(self, dataset, mapper, sampler, batch_size, *, aspect_ratio_grouping=True, num_workers=0,
                 collate_fn=None, **kwargs):
        self.dataset = dataset
        self.mapper = mapper
        self.sampler = sampler
        self.batch_size = batch_size
        self.aspect_ratio_grouping = aspect_ratio_grouping
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.loader_kwargs = kwargs
        self.rank, self.world_size = comm.get_rank(), comm.get_world_size()
        self._next = self.rank  # global stream position of this process's next sample
        self._pending = [[], []]  # (position, index) of the samples waiting in each aspect-ratio bucket
        self._iterating = False

    @property
    def seed(self):
        return self.sampler._seed

    def state_dict(self):
        return {
            "seed": int(self.seed),
            "next_position": int(self._next),
            "pending": [[[int(p), int(i)] for p, i in bucket] for bucket in self._pending],
            "world_size": self.world_size,
        }

    def load_state_dict(self, state):
        if self._iterating:
            raise RuntimeError("ResumableTrainLoader.load_state_dict must be called before iterating")
        if state["world_size"] != self.world_size:
            raise ProcessCountError(
                f"The data stream state was saved by {state['world_size']} processes; this run has "
                f"{self.world_size}: a data stream cannot be split differently and continue exactly")
        self.sampler._seed = int(state["seed"])
        self._next = int(state["next_position"])
        self._pending = [[(int(p), int(i)) for p, i in bucket] for bucket in state["pending"]]

    def _bucket_of(self, mapped):
        if not self.aspect_ratio_grouping:
            return 0
        return 0 if mapped["width"] > mapped["height"] else 1  # AspectRatioGroupedDataset's two groups

    def __iter__(self):
        if self._iterating:
            raise RuntimeError("ResumableTrainLoader supports a single iterator (the trainer's)")
        self._iterating = True
        mapping = _SeededMapping(self.dataset, self.mapper, self.seed)
        # A generator of its own, so that starting the workers leaves torch's default stream untouched.
        generator = torch.Generator()
        generator.manual_seed(int(self.seed) + self.rank)
        samples = torchdata.DataLoader(
            mapping,
            sampler=_PositionedSamples(self.sampler, self._next, self.rank, self.world_size),
            batch_size=None,
            num_workers=self.num_workers,
            collate_fn=_identity,
            generator=generator,
            **self.loader_kwargs,
        )
        buckets = [[mapping[key] for key in bucket] for bucket in self._pending]
        for position, index, mapped in samples:
            self._next = position + self.world_size
            b = self._bucket_of(mapped)
            buckets[b].append((position, index, mapped))
            self._pending[b].append((position, index))
            if len(buckets[b]) == self.batch_size:
                batch = [m for _, _, m in buckets[b]]
                buckets[b], self._pending[b] = [], []
                yield batch if self.collate_fn is None else self.collate_fn(batch)


def build_resumable_train_loader(dataset, *, mapper, sampler=None, total_batch_size, aspect_ratio_grouping=True,
                                 num_workers=0, collate_fn=None, **kwargs):
    """Same arguments as ``detectron2.data.build_detection_train_loader`` (``dataset`` a list of dicts or a
    map-style dataset); returns a ``ResumableTrainLoader``."""
    if isinstance(dataset, torchdata.IterableDataset):
        raise TypeError("build_resumable_train_loader needs a map-style dataset (a list of dicts), not an "
                        f"IterableDataset ({type(dataset).__name__}): the stream position must be an index")
    if isinstance(dataset, list):
        dataset = DatasetFromList(dataset, copy=False)
    if sampler is None:
        sampler = TrainingSampler(len(dataset))
    if not (hasattr(sampler, "_infinite_indices") and hasattr(sampler, "_seed")):
        raise TypeError(f"build_resumable_train_loader needs a sampler like detectron2's TrainingSampler (an "
                        f"infinite index stream with a seed), got {type(sampler).__name__}")
    world_size = comm.get_world_size()
    if not (total_batch_size > 0 and total_batch_size % world_size == 0):
        raise ValueError(f"total_batch_size ({total_batch_size}) must be a positive multiple of the number of "
                         f"processes ({world_size})")
    return ResumableTrainLoader(dataset, mapper, sampler, total_batch_size // world_size,
                                aspect_ratio_grouping=aspect_ratio_grouping, num_workers=num_workers,
                                collate_fn=collate_fn, **kwargs)
