"""The scikit-learn side of the `reductions` benchmark (docs/PERFORMANCE.md, issue 6).

Usage: python3 reductions_reference.py <folder> [--skip-tsne]

The folder holds vectors.npy (float32, n x d), labels.npy (int32, n) and, from the C# side, one
ours_<method>.npy (float64, n x 2) per reducer of ours.
Wall and CPU seconds (all threads of the process) are both reported: the shared benchmark machine is
often oversubscribed, and CPU time is the steadier measure of the work done. This script runs scikit-learn's TSNE and PCA on
the same vectors, times them, then scores every layout (ours and scikit-learn's) with one scorer: the
10-NN class agreement in 2-D and, up to 10K points, sklearn's trustworthiness at k=10 under the cosine
metric. It prints one JSON object on stdout, with scikit-learn's layouts, which the benchmark scores
again with its exact blockwise trustworthiness (every size). --skip-tsne leaves scikit-learn's TSNE out (hours at 50K points on a loaded machine).
"""
import json
import pathlib
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.neighbors import NearestNeighbors

# sklearn's trustworthiness builds an n x n distance matrix and its argsort (~40 GB at 50K points): up to
# this many points it scores every layout here, as a check of the benchmark's own blockwise scorer
# (ExactTrustworthiness.cs), which scores every layout at every size.
SKLEARN_SCORED_MAX = 10_000
NEIGHBOURS = 10


def knn_class_agreement(layout, labels):
    """The share of each point's 10 nearest 2-D neighbours (itself excluded) that carry its label."""
    finder = NearestNeighbors(n_neighbors=NEIGHBOURS + 1).fit(layout)
    _, indices = finder.kneighbors(layout)
    # Duplicates can put a twin before the point itself: drop the point wherever it is, else the last.
    agreeing = 0
    for row, neighbours in enumerate(indices):
        others = [n for n in neighbours if n != row][:NEIGHBOURS]
        agreeing += int(np.sum(labels[others] == labels[row]))
    return agreeing / (len(labels) * NEIGHBOURS)


def main():
    folder = pathlib.Path(sys.argv[1])
    vectors = np.load(folder / "vectors.npy")
    labels = np.load(folder / "labels.npy")
    count = vectors.shape[0]
    layouts = {}
    seconds = {}
    cpu_seconds = {}

    if "--skip-tsne" not in sys.argv:
        started, cpu_started = time.perf_counter(), time.process_time()
        layouts["sklearn_tsne"] = TSNE(
            n_components=2, perplexity=min(30.0, max(1.0, count - 1.0)), init="pca", metric="cosine",
            method="barnes_hut", random_state=42, learning_rate="auto", n_iter=1000,
        ).fit_transform(vectors)
        seconds["sklearn_tsne"] = time.perf_counter() - started
        cpu_seconds["sklearn_tsne"] = time.process_time() - cpu_started

    started, cpu_started = time.perf_counter(), time.process_time()
    layouts["sklearn_pca"] = PCA(n_components=2, svd_solver="full").fit_transform(vectors.astype(np.float64))
    seconds["sklearn_pca"] = time.perf_counter() - started
    cpu_seconds["sklearn_pca"] = time.process_time() - cpu_started

    for path in sorted(folder.glob("ours_*.npy")):
        layouts[path.stem] = np.load(path)

    scores = {}
    for name, layout in layouts.items():
        scores[name] = {"knn_agreement": float(knn_class_agreement(layout, labels))}
        if count <= SKLEARN_SCORED_MAX:
            scores[name]["trustworthiness"] = float(
                trustworthiness(vectors, layout, n_neighbors=NEIGHBOURS, metric="cosine"))

    # PCA is unique up to the sign of each component: align ours to sklearn's before comparing.
    pca_difference = None
    if "ours_pca" in layouts:
        ours, reference = layouts["ours_pca"], layouts["sklearn_pca"]
        signs = np.sign(np.sum(ours * reference, axis=0))
        signs[signs == 0] = 1
        pca_difference = float(np.max(np.abs(ours * signs - reference)))

    json.dump({
        "sklearn_version": sklearn.__version__,
        "count": count,
        "layouts": {name: layout.astype(np.float64).ravel().tolist() for name, layout in layouts.items() if name.startswith("sklearn_")},
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "scores": scores,
        "pca_max_abs_difference": pca_difference,
    }, sys.stdout)


if __name__ == "__main__":
    main()
