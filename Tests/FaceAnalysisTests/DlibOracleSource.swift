/// The C++ oracle: `landmarks MODEL IMAGE.ppm BOXES` prints, per box and landmark, dlib's
/// sub-pixel point and `shape_predictor`'s integer point; `detect IMAGE.ppm` prints dlib's HOG
/// detector boxes (left top right bottom, inclusive); `time MODEL IMAGE BOXES N` prints ms per face;
/// `cnn MODEL IMAGE.ppm` prints dlib's CNN (MMOD) detections (left top right bottom confidence);
/// `cnn-time MODEL IMAGE.ppm N` prints ms per image of the CNN detector;
/// `descriptor MODEL IMAGE.ppm LANDMARKS OUTDIR` reads one face per line of LANDMARKS (5 or 68
/// integer x y pairs), writes dlib's 150×150 chip (`get_face_chip_details(shape, 150, 0.25)` +
/// `extract_image_chip`) to OUTDIR/chipN.ppm and prints per face the chip rectangle (left top
/// right bottom angle) and the ResNet descriptor (128 values); `descriptor-chip MODEL CHIP.ppm`
/// prints the descriptor of a given chip; `descriptor-time MODEL CHIP.ppm N` prints ms per chip.
let dlibOracleSource = #"""
    // Reference oracle for AvatarFlow's FaceAnalysis tests: dlib 68-point landmarks and dlib's HOG face detector.
    #include <dlib/dnn.h>
    #include <dlib/image_processing.h>
    #include <dlib/image_processing/frontal_face_detector.h>
    #include <dlib/serialize.h>
    #include <chrono>
    #include <cstdio>
    #include <fstream>
    #include <iostream>
    #include <sstream>
    #include <string>

    using namespace dlib;

    static bool read_ppm(const std::string& path, array2d<rgb_pixel>& img) {
        std::ifstream in(path, std::ios::binary);
        std::string magic; long w, h, maxval;
        if (!(in >> magic >> w >> h >> maxval) || magic != "P6" || maxval != 255) return false;
        in.get();
        img.set_size(h, w);
        for (long r = 0; r < h; ++r)
            for (long c = 0; c < w; ++c) {
                unsigned char px[3];
                in.read((char*)px, 3);
                img[r][c] = rgb_pixel(px[0], px[1], px[2]);
            }
        return bool(in);
    }

    // The network type of dlib's dnn_mmod_face_detection_ex.cpp.
    template <long num_filters, typename SUBNET> using con5d = con<num_filters,5,5,2,2,SUBNET>;
    template <long num_filters, typename SUBNET> using con5  = con<num_filters,5,5,1,1,SUBNET>;
    template <typename SUBNET> using downsampler = relu<affine<con5d<32, relu<affine<con5d<32, relu<affine<con5d<16,SUBNET>>>>>>>>>;
    template <typename SUBNET> using rcon5 = relu<affine<con5<45,SUBNET>>>;
    using mmod_net_type = loss_mmod<con<1,9,9,1,1,rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>;

    // The network type of dlib's dnn_face_recognition_ex.cpp.
    template <template <int,template<typename>class,int,typename> class block, int N, template<typename>class BN, typename SUBNET>
    using residual = add_prev1<block<N,BN,1,tag1<SUBNET>>>;
    template <template <int,template<typename>class,int,typename> class block, int N, template<typename>class BN, typename SUBNET>
    using residual_down = add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,BN,2,tag1<SUBNET>>>>>>;
    template <int N, template <typename> class BN, int stride, typename SUBNET>
    using block = BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUBNET>>>>>;
    template <int N, typename SUBNET> using ares = relu<residual<block,N,affine,SUBNET>>;
    template <int N, typename SUBNET> using ares_down = relu<residual_down<block,N,affine,SUBNET>>;
    template <typename SUBNET> using alevel0 = ares_down<256,SUBNET>;
    template <typename SUBNET> using alevel1 = ares<256,ares<256,ares_down<256,SUBNET>>>;
    template <typename SUBNET> using alevel2 = ares<128,ares<128,ares_down<128,SUBNET>>>;
    template <typename SUBNET> using alevel3 = ares<64,ares<64,ares<64,ares_down<64,SUBNET>>>>;
    template <typename SUBNET> using alevel4 = ares<32,ares<32,ares<32,SUBNET>>>;
    using anet_type = loss_metric<fc_no_bias<128,avg_pool_everything<alevel0<alevel1<alevel2<alevel3<alevel4<
        max_pool<3,3,2,2,relu<affine<con<32,7,7,2,2,input_rgb_image_sized<150>>>>>>>>>>>>>;

    static void write_ppm(const std::string& path, const matrix<rgb_pixel>& img) {
        std::ofstream out(path, std::ios::binary);
        out << "P6\n" << img.nc() << " " << img.nr() << "\n255\n";
        for (long r = 0; r < img.nr(); ++r)
            for (long c = 0; c < img.nc(); ++c) {
                const rgb_pixel& p = img(r, c);
                out.put((char)p.red); out.put((char)p.green); out.put((char)p.blue);
            }
    }

    static void print_descriptor(const matrix<float,0,1>& d) {
        for (long i = 0; i < d.size(); ++i) std::cout << (i ? " " : "") << d(i);
        std::cout << "\n";
    }

    struct components {
        matrix<float,0,1> initial_shape;
        std::vector<std::vector<impl::regression_tree>> forests;
        std::vector<std::vector<unsigned long>> anchor_idx;
        std::vector<std::vector<dlib::vector<float,2>>> deltas;
    };

    int main(int argc, char** argv) {
        std::cout.precision(17);
        if (argc < 2) { std::cerr << "usage: landmarks MODEL IMAGE BOXES | detect IMAGE | time MODEL IMAGE BOXES REPEATS\n"; return 2; }
        std::string mode = argv[1];
        if ((mode == "descriptor-chip" && argc == 4) || (mode == "descriptor-time" && argc == 5)) {
            anet_type net;
            deserialize(argv[2]) >> net;
            array2d<rgb_pixel> loaded;
            if (!read_ppm(argv[3], loaded)) { std::cerr << "cannot read " << argv[3] << "\n"; return 1; }
            matrix<rgb_pixel> chip;
            assign_image(chip, loaded);
            if (mode == "descriptor-time") {
                int repeats = std::atoi(argv[4]);
                float checksum = net(chip)(0);
                auto start = std::chrono::steady_clock::now();
                for (int k = 0; k < repeats; ++k) checksum += net(chip)(0);
                double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                std::cout << seconds * 1000.0 / repeats << " " << checksum << "\n";
                return 0;
            }
            print_descriptor(net(chip));
            return 0;
        }
        if (mode == "descriptor" && argc == 6) {
            anet_type net;
            deserialize(argv[2]) >> net;
            array2d<rgb_pixel> loaded;
            if (!read_ppm(argv[3], loaded)) { std::cerr << "cannot read " << argv[3] << "\n"; return 1; }
            matrix<rgb_pixel> img;
            assign_image(img, loaded);
            std::ifstream faces(argv[4]);
            std::string line;
            int index = 0;
            while (std::getline(faces, line)) {
                std::istringstream values(line);
                std::vector<point> parts;
                long x, y;
                while (values >> x >> y) parts.push_back(point(x, y));
                if (parts.empty()) continue;
                full_object_detection shape(rectangle(0, 0, 1, 1), parts);
                chip_details details = get_face_chip_details(shape, 150, 0.25);
                matrix<rgb_pixel> chip;
                extract_image_chip(img, details, chip);
                write_ppm(std::string(argv[5]) + "/chip" + std::to_string(index++) + ".ppm", chip);
                std::cout << details.rect.left() << " " << details.rect.top() << " " << details.rect.right() << " "
                          << details.rect.bottom() << " " << details.angle << "\n";
                print_descriptor(net(chip));
            }
            return 0;
        }
        if ((mode == "cnn" && argc == 4) || (mode == "cnn-time" && argc == 5)) {
            mmod_net_type net;
            deserialize(argv[2]) >> net;
            array2d<rgb_pixel> loaded;
            if (!read_ppm(argv[3], loaded)) { std::cerr << "cannot read " << argv[3] << "\n"; return 1; }
            matrix<rgb_pixel> img;
            assign_image(img, loaded);
            if (mode == "cnn-time") {
                int repeats = std::atoi(argv[4]);
                size_t count = net(img).size();
                auto start = std::chrono::steady_clock::now();
                for (int k = 0; k < repeats; ++k) count += net(img).size();
                double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                std::cout << seconds * 1000.0 / repeats << " " << count << "\n";
                return 0;
            }
            for (const mmod_rect& d : net(img))
                std::cout << d.rect.left() << " " << d.rect.top() << " " << d.rect.right() << " " << d.rect.bottom() << " " << d.detection_confidence << "\n";
            return 0;
        }
        if (mode == "detect" && argc == 3) {
            array2d<rgb_pixel> img;
            if (!read_ppm(argv[2], img)) { std::cerr << "cannot read " << argv[2] << "\n"; return 1; }
            frontal_face_detector detector = get_frontal_face_detector();
            for (const rectangle& r : detector(img))
                std::cout << r.left() << " " << r.top() << " " << r.right() << " " << r.bottom() << "\n";
            return 0;
        }
        if ((mode == "landmarks" && argc == 5) || (mode == "time" && argc == 6)) {
            shape_predictor predictor;
            deserialize(argv[2]) >> predictor;
            array2d<rgb_pixel> img;
            if (!read_ppm(argv[3], img)) { std::cerr << "cannot read " << argv[3] << "\n"; return 1; }
            std::vector<rectangle> boxes;
            std::ifstream boxfile(argv[4]);
            long l, t, r, b;
            while (boxfile >> l >> t >> r >> b) boxes.push_back(rectangle(l, t, r, b));
            if (mode == "time") {
                int repeats = std::atoi(argv[5]);
                long checksum = 0;
                array2d<unsigned char> grey;
                assign_image(grey, img);
                auto start = std::chrono::steady_clock::now();
                for (int k = 0; k < repeats; ++k)
                    for (const rectangle& box : boxes) checksum += predictor(grey, box).part(30).x();
                double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                std::cout << seconds * 1000.0 / (repeats * boxes.size()) << " " << checksum << "\n";
                return 0;
            }
            // Sub-pixel replica of shape_predictor::operator() built from dlib's own pieces
            // (same deserialization order and the same impl:: functions), before integer rounding.
            components model;
            {
                std::ifstream in(argv[2], std::ios::binary);
                int version = 0;
                deserialize(version, in);
                deserialize(model.initial_shape, in);
                deserialize(model.forests, in);
                deserialize(model.anchor_idx, in);
                deserialize(model.deltas, in);
            }
            for (const rectangle& box : boxes) {
                full_object_detection rounded = predictor(img, box);
                matrix<float,0,1> current_shape = model.initial_shape;
                std::vector<float> values;
                for (unsigned long iter = 0; iter < model.forests.size(); ++iter) {
                    impl::extract_feature_pixel_values(img, box, current_shape, model.initial_shape,
                                                       model.anchor_idx[iter], model.deltas[iter], values);
                    unsigned long leaf;
                    for (unsigned long i = 0; i < model.forests[iter].size(); ++i)
                        current_shape += model.forests[iter][i](values, leaf);
                }
                const point_transform_affine to_image = impl::unnormalizing_tform(box);
                for (unsigned long i = 0; i < rounded.num_parts(); ++i) {
                    dpoint p = to_image(impl::location(current_shape, i));
                    std::cout << p.x() << " " << p.y() << " " << rounded.part(i).x() << " " << rounded.part(i).y() << "\n";
                }
            }
            return 0;
        }
        std::cerr << "bad arguments\n";
        return 2;
    }
    """#
