namespace SharpTun.Host.Processes;

/// <summary>
/// A bounded map that forgets the least recently used entries in bulk. New entries go into the
/// young generation; when it holds half the capacity the old generation is dropped and the young
/// one becomes old. A hit in the old generation moves the entry back to the young one. Holds at
/// most <c>capacity</c> entries, costs O(1) per operation and keeps no per-entry links. Not
/// thread-safe.
/// </summary>
internal sealed class GenerationalCache<TKey, TValue>
    where TKey : notnull
{
    private readonly int _generationCapacity;
    private Dictionary<TKey, TValue> _young = [];
    private Dictionary<TKey, TValue> _old = [];

    public GenerationalCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _generationCapacity = capacity / 2;
    }

    /// <summary>The entries held now (at most the capacity).</summary>
    public int Count => _young.Count + _old.Count;

    public bool TryGet(TKey key, out TValue value)
    {
        if (_young.TryGetValue(key, out value!))
            return true;
        if (!_old.Remove(key, out value!))
            return false;
        Set(key, value);
        return true;
    }

    public void Set(TKey key, TValue value)
    {
        if (!_young.ContainsKey(key) && _young.Count >= _generationCapacity)
        {
            _old = _young;
            _young = new Dictionary<TKey, TValue>(_generationCapacity);
        }
        _young[key] = value;
        _old.Remove(key);
    }

    public void Remove(TKey key)
    {
        _young.Remove(key);
        _old.Remove(key);
    }
}
