namespace SharpTun.Stack;

/// <summary>What an <see cref="EchoServer"/> did: packets read, echo requests answered, replies the kernel refused.</summary>
public readonly record struct EchoStatistics(long Received, long Answered, long ReplyDropped)
{
    public EchoStatistics Add(long received, long answered, long replyDropped) =>
        new(Received + received, Answered + answered, ReplyDropped + replyDropped);

    public static EchoStatistics operator +(EchoStatistics left, EchoStatistics right) =>
        left.Add(right.Received, right.Answered, right.ReplyDropped);
}
