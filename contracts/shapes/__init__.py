"""Observed shapes: record what an OCP sends (``run --save-shape``) and compare two recordings.

``ShapeRecorder.observe(operation_id, status, headers, body)`` per response, ``.save(path)``;
``record_exchanges(result.exchanges)`` does the same for a finished run's logged exchanges;
``compare(old, new)`` lists the differences, each marked breaking or not.
"""

from contracts.shapes.compare import Difference, compare
from contracts.shapes.exchanges import record_exchanges
from contracts.shapes.model import Shape, load_shape
from contracts.shapes.recorder import ShapeRecorder

__all__ = ["Difference", "Shape", "ShapeRecorder", "compare", "load_shape", "record_exchanges"]
