using CohortSync.Core.Snapshots;

namespace CohortSync.Core.Tests.Snapshots;

public sealed class KeyHasherTests
{
    // Pinned once from the implementation: snapshots are stored sorted by these values, so a change breaks every baseline.
    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0xDEC2BC81C3CD46C6UL)]
    [InlineData("abc", 0x2BD60D36955DB703UL)]
    [InlineData("abcd", 0xAD9338B32CDA24C1UL)]
    [InlineData("abcde", 0x35110162CEC80F7BUL)]
    [InlineData("u::user-42", 0x35F5213273CC1513UL)]
    [InlineData("a:amplitude_id:al-1", 0x07D7C20DD61F34B7UL)]
    [InlineData("u::用户🙂", 0xF13F3DC4660EBC97UL)]
    public void Hash_FixedString_ReturnsPinnedValue(string key, ulong expected)
    {
        // Arrange: the key and its stored hash come from the theory data.

        // Act
        var hash = KeyHasher.Hash(key);

        // Assert
        Assert.Equal(expected, hash);
    }

    [Fact]
    public void Hash_ManyDistinctStrings_NoCollisions()
    {
        // Arrange: every length from 0 to 40, odd and even, plus keys differing only in their last character.
        var keys = new List<string>();
        for (var length = 0; length <= 40; length++)
        {
            for (var c = 'a'; c <= 'z'; c++)
            {
                keys.Add(new string('x', length) + c);
            }
        }

        keys.AddRange(Enumerable.Range(0, 20_000).Select(i => $"u::user-{i}"));

        // Act
        var hashes = keys.Select(KeyHasher.Hash).ToHashSet();

        // Assert
        Assert.Equal(keys.Count, hashes.Count);
    }

    [Theory]
    [InlineData("abc", "abd")]
    [InlineData("abc", "acb")]
    [InlineData("a", "a\0")]
    [InlineData("", "\0")]
    [InlineData("abcdefg", "abcdefh")]
    [InlineData("u::1", "e::1")]
    public void Hash_DifferentStrings_DifferentHashes(string a, string b)
    {
        // Arrange: two strings that differ only slightly, from the theory data.

        // Act
        var hashA = KeyHasher.Hash(a);
        var hashB = KeyHasher.Hash(b);

        // Assert
        Assert.NotEqual(hashA, hashB);
    }

    [Fact]
    public void Hash_SpanAndString_Agree()
    {
        // Arrange
        const string Text = "prefix-u::user-42-suffix";

        // Act
        var fromSpan = KeyHasher.Hash(Text.AsSpan(7, 10));
        var fromString = KeyHasher.Hash("u::user-42");

        // Assert
        Assert.Equal(fromString, fromSpan);
    }

    [Fact]
    public void Hash_SameStringTwice_SameHash()
    {
        // Arrange
        var a = new string("u::user-42".ToCharArray());
        var b = new string("u::user-42".ToCharArray());

        // Act
        var hashA = KeyHasher.Hash(a);
        var hashB = KeyHasher.Hash(b);

        // Assert
        Assert.Equal(hashA, hashB);
    }

    [Fact]
    public void Hash_Null_ThrowsArgumentNullException()
    {
        // Arrange
        string? key = null;

        // Act
        var ex = Record.Exception(() => KeyHasher.Hash(key!));

        // Assert
        Assert.IsType<ArgumentNullException>(ex);
    }
}
