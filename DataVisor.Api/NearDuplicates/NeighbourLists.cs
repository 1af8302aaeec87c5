namespace DataVisor.Api.NearDuplicates;

/// <summary>
/// Each row's best neighbours so far, by score descending and, on an equal score, by the smaller row, in
/// two flat arrays (rows x capacity): 7 MB at 100k rows, and no object per row. Pairs may arrive in any
/// order, so the tie rule is applied on insert rather than relying on arrival order.
/// </summary>
internal sealed class NeighbourLists(int rows, int capacity)
{
    private readonly float[] _scores = new float[rows * capacity];
    private readonly int[] _neighbours = new int[rows * capacity];
    private readonly int[] _counts = new int[rows];

    public void Offer(int row, float score, int neighbour)
    {
        var start = row * capacity;
        var count = _counts[row];
        if (count == capacity && !Precedes(score, neighbour, _scores[start + count - 1], _neighbours[start + count - 1]))
        {
            return;
        }

        var position = count < capacity ? count : capacity - 1;
        while (position > 0 && Precedes(score, neighbour, _scores[start + position - 1], _neighbours[start + position - 1]))
        {
            _scores[start + position] = _scores[start + position - 1];
            _neighbours[start + position] = _neighbours[start + position - 1];
            position--;
        }

        _scores[start + position] = score;
        _neighbours[start + position] = neighbour;
        _counts[row] = Math.Min(count + 1, capacity);
    }

    public void JoinInto(UnionFind components, int row)
    {
        var start = row * capacity;
        for (var index = 0; index < _counts[row]; index++)
        {
            components.Union(row, _neighbours[start + index]);
        }
    }

    private static bool Precedes(float score, int neighbour, float otherScore, int otherNeighbour) =>
        score > otherScore || (score == otherScore && neighbour < otherNeighbour);
}

/// <summary>Disjoint sets over row indices; the smaller root wins, so the result does not depend on the order of unions.</summary>
internal sealed class UnionFind
{
    private readonly int[] _parent;

    public UnionFind(int count)
    {
        _parent = new int[count];
        for (var index = 0; index < count; index++)
        {
            _parent[index] = index;
        }
    }

    public int Count => _parent.Length;

    public int Find(int item)
    {
        while (_parent[item] != item)
        {
            // Path halving keeps the trees shallow without recursion.
            _parent[item] = _parent[_parent[item]];
            item = _parent[item];
        }

        return item;
    }

    public void Union(int left, int right)
    {
        var leftRoot = Find(left);
        var rightRoot = Find(right);
        if (leftRoot != rightRoot)
        {
            _parent[Math.Max(leftRoot, rightRoot)] = Math.Min(leftRoot, rightRoot);
        }
    }

    /// <summary>Components of at least two rows, each as its rows ascending.</summary>
    public List<int[]> Components()
    {
        var members = new Dictionary<int, List<int>>();
        for (var row = 0; row < _parent.Length; row++)
        {
            var root = Find(row);
            if (!members.TryGetValue(root, out var list))
            {
                list = [];
                members[root] = list;
            }

            list.Add(row);
        }

        return [.. members.Values.Where(list => list.Count >= 2).Select(list => list.ToArray())];
    }
}
