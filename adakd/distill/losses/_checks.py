"""Shape checks shared by the distillation losses; every failure names the loss and both shapes."""


def require(condition, loss, message):
    if not condition:
        raise ValueError(f"{type(loss).__name__}: {message}")


def require_same_shape(loss, student, teacher, what="student and teacher"):
    require(
        tuple(student.shape) == tuple(teacher.shape),
        loss,
        f"{what} shapes must match, got student {tuple(student.shape)} and teacher {tuple(teacher.shape)}",
    )


def require_ndim(loss, tensor, ndims, name):
    require(
        tensor.dim() in ndims,
        loss,
        f"{name} must have {' or '.join(str(n) for n in ndims)} dims, got shape {tuple(tensor.shape)}",
    )
