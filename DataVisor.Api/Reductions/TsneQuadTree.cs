using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DataVisor.Api.Reductions;

/// <summary>
/// The Barnes–Hut quadtree of one t-SNE iteration, rebuilt from the current layout each time. Nodes live in
/// one flat array in depth-first preorder, each with the index just past its subtree (<c>Next</c>), so the
/// walk for a point is a single forward loop: summarise a node and jump to <c>Next</c>, or step into its
/// first child at index + 1. No per-node objects, no recursion and no stack in the hot loop.
/// </summary>
internal sealed class TsneQuadTree
{
    // Points closer than this fraction of the root cell are treated as one position (a leaf holding several
    // points), which bounds the depth; the hard cap only matters for pathological inputs such as NaN.
    private const double CoincidenceFraction = 1e-12;
    private const int MaxDepth = 64;

    // Work is handed to the thread pool in slices of the tree order, so neighbouring points (which open the
    // same nodes) run on the same core; 256 points amortise the scheduling cost.
    private const int PointsPerSlice = 256;

    // The points in tree order, with their coordinates permuted alongside so the build reads sequentially.
    private readonly int[] _order;
    private readonly double[] _x;
    private readonly double[] _y;
    private readonly int[] _scratchOrder;
    private readonly double[] _scratchX;
    private readonly double[] _scratchY;
    private readonly int[] _leafOfPoint;
    private Node[] _nodes;
    private int _nodeCount;

    public TsneQuadTree(int pointCount)
    {
        _order = new int[pointCount];
        _x = new double[pointCount];
        _y = new double[pointCount];
        _scratchOrder = new int[pointCount];
        _scratchX = new double[pointCount];
        _scratchY = new double[pointCount];
        _leafOfPoint = new int[pointCount];
        _nodes = new Node[Math.Max(16, 2 * pointCount)];
    }

    /// <summary>Rebuilds the tree over <paramref name="positions"/> (x, y interleaved, one pair per point).</summary>
    public void Build(double[] positions)
    {
        var count = _order.Length;
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity;
        double maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        for (var point = 0; point < count; point++)
        {
            _order[point] = point;
            _x[point] = positions[2 * point];
            _y[point] = positions[2 * point + 1];
            minX = Math.Min(minX, _x[point]);
            maxX = Math.Max(maxX, _x[point]);
            minY = Math.Min(minY, _y[point]);
            maxY = Math.Max(maxY, _y[point]);
        }

        // A slightly larger root than the points' bounding box keeps the extreme points off its edges.
        var halfWidthX = Math.Max(maxX - minX, double.Epsilon) * 0.5005;
        var halfWidthY = Math.Max(maxY - minY, double.Epsilon) * 0.5005;
        var centreX = (minX + maxX) / 2;
        var centreY = (minY + maxY) / 2;
        var coincidence = 2 * Math.Max(halfWidthX, halfWidthY) * CoincidenceFraction;
        _nodeCount = 0;
        BuildNode(0, count, new Cell(centreX - halfWidthX, centreY - halfWidthY, centreX + halfWidthX, centreY + halfWidthY), 0, coincidence);
    }

    private void BuildNode(int start, int end, Cell cell, int depth, double coincidence)
    {
        var node = _nodeCount++;
        if (node == _nodes.Length)
        {
            Array.Resize(ref _nodes, _nodes.Length * 2);
        }

        double sumX = 0, sumY = 0;
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity;
        double maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        for (var slot = start; slot < end; slot++)
        {
            var x = _x[slot];
            var y = _y[slot];
            sumX += x;
            sumY += y;
            minX = Math.Min(minX, x);
            maxX = Math.Max(maxX, x);
            minY = Math.Min(minY, y);
            maxY = Math.Max(maxY, y);
        }

        var size = end - start;
        var width = Math.Max(cell.MaxX - cell.MinX, cell.MaxY - cell.MinY);
        _nodes[node] = new Node(sumX / size, sumY / size, width * width, size, node + 1);
        var coincident = maxX - minX <= coincidence && maxY - minY <= coincidence;
        if (size == 1 || coincident || depth >= MaxDepth)
        {
            for (var slot = start; slot < end; slot++)
            {
                _leafOfPoint[_order[slot]] = node;
            }

            return;
        }

        // A stable counting partition into the four quadrants (bit 0: right half, bit 1: upper half).
        var midX = (cell.MinX + cell.MaxX) / 2;
        var midY = (cell.MinY + cell.MaxY) / 2;
        Span<int> quadrantStart = stackalloc int[5];
        quadrantStart.Clear();
        for (var slot = start; slot < end; slot++)
        {
            quadrantStart[Quadrant(_x[slot], _y[slot], midX, midY) + 1]++;
        }

        quadrantStart[0] = start;
        for (var quadrant = 1; quadrant <= 4; quadrant++)
        {
            quadrantStart[quadrant] += quadrantStart[quadrant - 1];
        }

        Span<int> fill = stackalloc int[4];
        quadrantStart[..4].CopyTo(fill);
        for (var slot = start; slot < end; slot++)
        {
            var target = fill[Quadrant(_x[slot], _y[slot], midX, midY)]++;
            _scratchOrder[target] = _order[slot];
            _scratchX[target] = _x[slot];
            _scratchY[target] = _y[slot];
        }

        Array.Copy(_scratchOrder, start, _order, start, size);
        Array.Copy(_scratchX, start, _x, start, size);
        Array.Copy(_scratchY, start, _y, start, size);
        for (var quadrant = 0; quadrant < 4; quadrant++)
        {
            if (quadrantStart[quadrant + 1] > quadrantStart[quadrant])
            {
                var right = (quadrant & 1) != 0;
                var upper = (quadrant & 2) != 0;
                var child = new Cell(
                    right ? midX : cell.MinX,
                    upper ? midY : cell.MinY,
                    right ? cell.MaxX : midX,
                    upper ? cell.MaxY : midY);
                BuildNode(quadrantStart[quadrant], quadrantStart[quadrant + 1], child, depth + 1, coincidence);
            }
        }

        _nodes[node].Next = _nodeCount;
    }

    private static int Quadrant(double x, double y, double midX, double midY) =>
        (x >= midX ? 1 : 0) | (y >= midY ? 2 : 0);

    /// <summary>
    /// The unnormalised repulsive force on every point of the last <see cref="Build"/>, <c>Σ_j q_ij² (y_i − y_j)</c> with
    /// <c>q_ij = 1 / (1 + |y_i − y_j|²)</c>, into <paramref name="repulsion"/>, and returns
    /// <c>Z = Σ_i Σ_j q_ij</c>. A node whose width is small against its distance (width² &lt; θ²·d²)
    /// stands in for all its points. Each point writes only its own slots and Z is summed afterwards in
    /// point order, so the result is bit-identical however the threads are scheduled.
    /// </summary>
    public double Repulsion(double thetaSquared, double[] repulsion, double[] partialZ, CancellationToken cancellationToken)
    {
        var count = _order.Length;
        var slices = (count + PointsPerSlice - 1) / PointsPerSlice;
        var options = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.For(0, slices, options, slice =>
        {
            var end = Math.Min(count, (slice + 1) * PointsPerSlice);
            for (var slot = slice * PointsPerSlice; slot < end; slot++)
            {
                RepulsionOnPoint(slot, thetaSquared, repulsion, partialZ);
            }
        });

        var z = 0.0;
        for (var point = 0; point < count; point++)
        {
            z += partialZ[point];
        }

        return z;
    }

    private void RepulsionOnPoint(int slot, double thetaSquared, double[] repulsion, double[] partialZ)
    {
        // The walk only moves forward to indices below _nodeCount, which Build keeps within the array; the
        // raw reference spares a bounds check per node visit in the hottest loop of t-SNE.
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        var nodeCount = _nodeCount;
        var point = _order[slot];
        var x = _x[slot];
        var y = _y[slot];
        var ownLeaf = _leafOfPoint[point];
        double forceX = 0, forceY = 0, z = 0;
        var index = 0;
        while (index < nodeCount)
        {
            ref readonly var node = ref Unsafe.Add(ref nodes, index);
            var dx = x - node.CentreX;
            var dy = y - node.CentreY;
            var squaredDistance = dx * dx + dy * dy;
            var isLeaf = node.Next == index + 1;
            if (isLeaf || node.SquaredWidth < thetaSquared * squaredDistance)
            {
                // A cell that contains the point is never accepted as a summary for θ ≤ 1/√2 (its
                // barycentre is within a diagonal of the point), so only its own leaf needs skipping: that
                // excludes the self-interaction and, like scikit-learn, coincident duplicates.
                if (index != ownLeaf)
                {
                    var q = 1.0 / (1.0 + squaredDistance);
                    var weighted = node.Size * q;
                    z += weighted;
                    var multiplier = weighted * q;
                    forceX += multiplier * dx;
                    forceY += multiplier * dy;
                }

                index = node.Next;
            }
            else
            {
                index++;
            }
        }

        repulsion[2 * point] = forceX;
        repulsion[2 * point + 1] = forceY;
        partialZ[point] = z;
    }

    private readonly record struct Cell(double MinX, double MinY, double MaxX, double MaxY);

    // 32 bytes: two nodes per cache line.
    private struct Node(double centreX, double centreY, double squaredWidth, int size, int next)
    {
        public readonly double CentreX = centreX;
        public readonly double CentreY = centreY;
        public readonly double SquaredWidth = squaredWidth;
        public readonly int Size = size;
        public int Next = next;
    }
}
