/// The forward pass of one image (docs/SR3-ARCHITECTURE.md section 2, "Forward").
extension UNet {
    func forward(image input: UnsafePointer<Float>, level: Float, output: UnsafeMutablePointer<Float>, workspace ws: UNetWorkspace) {
        let emb = noiseMLP.embed(level)
        let context = ws.context
        var h = ws.height
        var w = ws.width
        var current = UnsafeMutablePointer(mutating: input)
        var channels = config.inChannel
        for (index, layer) in downs.enumerated() {
            let destination = ws.skips[index]
            switch layer {
            case .stem(let conv):
                conv.apply(input: current, height: h, width: w, output: destination, context: context)
                channels = conv.outChannels
            case .resnet(let block):
                apply(block, input: current, height: h, width: w, output: destination, embedding: emb, workspace: ws)
                channels = block.resnet.outChannels
            case .downsample(let conv):
                conv.apply(input: current, height: h, width: w, output: destination, context: context)
                h /= 2
                w /= 2
            case .upsample: break
            }
            current = destination
        }
        apply(mid[0], input: current, height: h, width: w, output: ws.ping, embedding: emb, workspace: ws)
        apply(mid[1], input: ws.ping, height: h, width: w, output: ws.pong, embedding: emb, workspace: ws)
        current = ws.pong
        var skipIndex = ws.skips.count
        for layer in ups {
            let destination = current == ws.ping ? ws.pong : ws.ping
            switch layer {
            case .resnet(let block):
                skipIndex -= 1
                let concat = ChannelPlanes(current, channels: channels, then: ws.skips[skipIndex], planeSize: h * w)
                apply(block, input: concat, height: h, width: w, output: destination, embedding: emb, workspace: ws)
                channels = block.resnet.outChannels
            case .upsample(let conv):
                NearestUpsample.apply(current, channels: channels, height: h, width: w, output: ws.normalised, context: context)
                h *= 2
                w *= 2
                conv.apply(input: ws.normalised, height: h, width: w, output: destination, context: context)
            case .stem, .downsample: break
            }
            current = destination
        }
        final.norm.apply(input: current, planeSize: h * w, output: ws.normalised, swish: true, context: context)
        final.conv.apply(input: ws.normalised, height: h, width: w, output: output, context: context)
    }

    private func apply(
        _ block: ResnetBlockWithAttention, input x: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
        output: UnsafeMutablePointer<Float>, embedding: [Float], workspace ws: UNetWorkspace
    ) {
        apply(block, input: ChannelPlanes(x, planeSize: h * w), height: h, width: w, output: output, embedding: embedding, workspace: ws)
    }

    private func apply(
        _ block: ResnetBlockWithAttention, input x: ChannelPlanes, height h: Int, width w: Int,
        output: UnsafeMutablePointer<Float>, embedding: [Float], workspace ws: UNetWorkspace
    ) {
        let context = ws.context
        let resnet = block.resnet
        let plane = h * w
        resnet.block1.norm.apply(input: x, output: ws.normalised, swish: true, context: context)
        let noise = resnet.noise.apply(embedding)
        ws.extraBias.update(from: noise, count: noise.count)
        resnet.block1.conv.apply(input: ws.normalised, height: h, width: w, output: ws.hidden, extraBias: ws.extraBias, context: context)
        resnet.block2.norm.apply(input: ws.hidden, planeSize: plane, output: ws.normalised, swish: true, context: context)
        if let residual = resnet.residual {
            residual.apply(input: x, height: h, width: w, output: output, context: context)
            resnet.block2.conv.apply(input: ws.normalised, height: h, width: w, output: output, accumulate: true, context: context)
        } else {
            // Identity shortcut: x is added while the bias is laid down.
            resnet.block2.conv.apply(input: ws.normalised, height: h, width: w, output: output, addend: x.first, context: context)
        }
        if let attention = block.attention {
            attention.apply(output, positions: plane, scratch: ws.attention, context: context)
        }
    }
}
