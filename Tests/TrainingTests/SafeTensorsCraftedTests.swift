import Testing
import Training

/// Shapes in a safetensors header are checked against the bytes present without overflow.
@Suite struct SafeTensorsCraftedTests {
    private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        return withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) } + headerBytes + data
    }

    @Test(arguments: ["[100000000000,100000000000]", "[2147483648,2147483648]", "[4611686018427387904,4]"])
    func shapesWhoseSizeOverflowsAreOneError(_ shape: String) {
        let bytes = file(#"{"w":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,0]}}"#)
        #expect(throws: CheckpointError.self) { try SafeTensorsFile(bytes: bytes, source: "c.safetensors") }
    }

    @Test func aZeroDimensionIsAnEmptyTensor() throws {
        let bytes = file(#"{"w":{"dtype":"F32","shape":[0,100000000000],"data_offsets":[0,0]}}"#)
        #expect(try SafeTensorsFile(bytes: bytes, source: "c.safetensors").tensors["w"]?.shape == [0, 100_000_000_000])
    }
}
