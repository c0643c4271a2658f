"""The demo's count of objects named right, on cases worked out by hand."""
import torch

from adakd.evaluation import count_named_objects


def _count(detections, objects, **kwargs):
    boxes, classes, scores = zip(*detections) if detections else ((), (), ())
    gt_boxes, gt_classes = zip(*objects)
    return count_named_objects(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4), torch.tensor(classes),
                               torch.tensor(scores), torch.tensor(gt_boxes, dtype=torch.float32),
                               torch.tensor(gt_classes), **kwargs)


SQUARE = [0.0, 0.0, 10.0, 10.0]  # area 100
RIGHT = [20.0, 0.0, 30.0, 10.0]


def test_one_detection_names_one_object():
    # Two detections of the first square (IoU 1 and 0.81): one names it, the other is a wrong detection.
    detections = [(SQUARE, 0, 0.9), ([1.0, 0.0, 10.0, 9.0], 0, 0.8)]
    assert _count(detections, [(SQUARE, 0), (RIGHT, 1)]) == (1, 1)


def test_class_iou_and_score_must_all_hold():
    objects = [(SQUARE, 0), (RIGHT, 1)]
    assert _count([(SQUARE, 1, 0.9)], objects) == (0, 1)  # right place, wrong class
    # [0, 0, 10, 5] covers half the square: IoU 50 / 100 = 0.5, named; [0, 0, 10, 4.9]: 0.49, not named.
    assert _count([([0.0, 0.0, 10.0, 5.0], 0, 0.9)], objects) == (1, 0)
    assert _count([([0.0, 0.0, 10.0, 4.9], 0, 0.9)], objects) == (0, 1)
    # Below the score threshold a detection neither names nor counts as wrong.
    assert _count([(SQUARE, 0, 0.49), (RIGHT, 1, 0.5)], objects) == (1, 0)
    assert _count([(SQUARE, 0, 0.49)], objects, score_threshold=0.3) == (1, 0)
    assert _count([], objects) == (0, 0)


def test_higher_score_chooses_first_and_takes_its_best_overlap():
    # Two objects of class 0 side by side, [0,0,10,10] and [8,0,18,10]. The higher-scored detection [6,0,16,10]
    # overlaps the second more (IoU 8 / 12 = 0.67 vs 4 / 16 = 0.25) and takes it; the lower-scored [0,0,10,10]
    # then names the first: both named. Taken in the other order the result is the same here, but a detection
    # whose only candidate is taken names nothing.
    objects = [(SQUARE, 0), ([8.0, 0.0, 18.0, 10.0], 0)]
    assert _count([([6.0, 0.0, 16.0, 10.0], 0, 0.9), (SQUARE, 0, 0.6)], objects) == (2, 0)
    assert _count([([8.0, 0.0, 18.0, 10.0], 0, 0.9), ([7.0, 0.0, 17.0, 10.0], 0, 0.8)], [objects[1]]) == (1, 1)
