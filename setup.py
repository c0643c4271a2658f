from setuptools import find_packages, setup

setup(
    name="adakd",
    version="0.1.0",
    description="Adaptive Distillation (BMVC 2021) as a detectron2 extension",
    packages=find_packages(include=["adakd", "adakd.*"]),
    python_requires=">=3.9",
    # torch and detectron2 are deliberately not listed: tools/setup_env.sh keeps a user's own builds.
    install_requires=["fvcore", "iopath", "pycocotools", "numpy", "opencv-python-headless", "scipy"],
    # Export and ONNX inference (adakd.deploy, tools/export_model.py); imported only there. The pins keep numpy<2
    # for the detectron2 wheel (tools/setup_env.sh installs them).
    extras_require={"deploy": ["onnx<1.18", "onnxruntime<1.21"]},
)
